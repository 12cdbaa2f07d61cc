/* workflow/cvss40.c - CVSS v4.0 (FIRST, "Common Vulnerability Scoring
 * System v4.0: Specification Document", sections 7 and 8): the metric table
 * and the scoring of Base, Threat and Environmental metrics (CVSS-BTE).
 *
 * The score is the value of the vector's MacroVector (EQ1..EQ6 and FIRST's
 * published table of 270 MacroVector scores) minus the mean of the
 * proportional distances to the next lower MacroVector of each EQ, measured
 * from the highest-severity vectors of the MacroVector (spec section 8.2).
 * Supplemental metrics are carried but never scored.
 *
 * Rounding: all severity levels are multiples of 0.1 and the MacroVector
 * values are in tenths, so the whole computation is done in integers
 * (tenths, over a common denominator) and rounded half up exactly; binary
 * floating point would land just below x.x5 on many ties. */
#include <string.h>

#include "common/rc.h"
#include "cvss_int.h"

enum {
	AV, AC, AT, PR, UI, VC, VI, VA, SC, SI, SA, E, CR, IR, AR,
	MAV, MAC, MAT, MPR, MUI, MVC, MVI, MVA, MSC, MSI, MSA,
	S, AU, R, V, RE, U, NMETRICS
};

/* value order = severity level order of the spec's distance tables */
static const struct cvss_metric_def metrics[NMETRICS] = {
	[AV] = { "AV", { "N", "A", "L", "P" }, true },
	[AC] = { "AC", { "L", "H" }, true },
	[AT] = { "AT", { "N", "P" }, true },
	[PR] = { "PR", { "N", "L", "H" }, true },
	[UI] = { "UI", { "N", "P", "A" }, true },
	[VC] = { "VC", { "H", "L", "N" }, true },
	[VI] = { "VI", { "H", "L", "N" }, true },
	[VA] = { "VA", { "H", "L", "N" }, true },
	[SC] = { "SC", { "H", "L", "N" }, true },
	[SI] = { "SI", { "H", "L", "N" }, true },
	[SA] = { "SA", { "H", "L", "N" }, true },
	[E] = { "E", { "A", "P", "U" }, false },
	[CR] = { "CR", { "H", "M", "L" }, false },
	[IR] = { "IR", { "H", "M", "L" }, false },
	[AR] = { "AR", { "H", "M", "L" }, false },
	[MAV] = { "MAV", { "N", "A", "L", "P" }, false },
	[MAC] = { "MAC", { "L", "H" }, false },
	[MAT] = { "MAT", { "N", "P" }, false },
	[MPR] = { "MPR", { "N", "L", "H" }, false },
	[MUI] = { "MUI", { "N", "P", "A" }, false },
	[MVC] = { "MVC", { "H", "L", "N" }, false },
	[MVI] = { "MVI", { "H", "L", "N" }, false },
	[MVA] = { "MVA", { "H", "L", "N" }, false },
	[MSC] = { "MSC", { "H", "L", "N" }, false },
	[MSI] = { "MSI", { "H", "L", "N", "S" }, false },
	[MSA] = { "MSA", { "H", "L", "N", "S" }, false },
	[S] = { "S", { "N", "P" }, false },
	[AU] = { "AU", { "N", "Y" }, false },
	[R] = { "R", { "A", "U", "I" }, false },
	[V] = { "V", { "D", "C" }, false },
	[RE] = { "RE", { "L", "M", "H" }, false },
	[U] = { "U", { "Clear", "Green", "Amber", "Red" }, false },
};

/* FIRST's MacroVector scores in tenths, indexed [EQ1][EQ2][EQ3][EQ4][EQ5][EQ6];
 * -1 where no MacroVector exists (EQ3=2 only goes with EQ6=1). */
static const signed char mv_table[3 * 2 * 3 * 3 * 3 * 2] = {
	100,  99,  98,  95,  95,  92, 100,  96,  93,  87,  91,  81,  93,  90,  89,  80,  81,  68,
	 98,  95,  95,  92,  90,  84,  93,  92,  89,  81,  81,  65,  88,  80,  78,  70,  69,  48,
	 -1,  92,  -1,  82,  -1,  72,  -1,  79,  -1,  69,  -1,  50,  -1,  69,  -1,  55,  -1,  27,
	 99,  97,  95,  92,  92,  85,  95,  91,  90,  83,  84,  71,  92,  81,  82,  71,  72,  53,
	 95,  93,  92,  85,  85,  73,  92,  82,  80,  72,  70,  59,  84,  70,  71,  52,  50,  30,
	 -1,  86,  -1,  75,  -1,  52,  -1,  71,  -1,  52,  -1,  29,  -1,  63,  -1,  29,  -1,  17,
	 98,  95,  94,  87,  91,  81,  94,  89,  86,  74,  77,  64,  87,  75,  74,  63,  63,  49,
	 94,  89,  88,  77,  76,  67,  86,  76,  74,  58,  59,  50,  72,  57,  57,  52,  52,  25,
	 -1,  83,  -1,  70,  -1,  54,  -1,  65,  -1,  58,  -1,  26,  -1,  53,  -1,  21,  -1,  13,
	 95,  90,  88,  76,  76,  70,  90,  77,  75,  62,  61,  53,  77,  66,  68,  59,  52,  30,
	 89,  78,  76,  67,  62,  58,  74,  59,  57,  57,  47,  23,  61,  52,  57,  29,  24,  16,
	 -1,  71,  -1,  59,  -1,  30,  -1,  58,  -1,  26,  -1,  15,  -1,  23,  -1,  13,  -1,   6,
	 93,  87,  86,  72,  75,  58,  86,  74,  74,  61,  56,  34,  70,  54,  52,  40,  40,  22,
	 85,  75,  74,  55,  62,  51,  72,  57,  55,  41,  46,  19,  53,  36,  34,  19,  19,   8,
	 -1,  64,  -1,  51,  -1,  20,  -1,  47,  -1,  21,  -1,  11,  -1,  24,  -1,   9,  -1,   4,
	 88,  75,  73,  53,  60,  50,  73,  55,  59,  40,  41,  20,  54,  43,  45,  22,  20,  11,
	 75,  55,  58,  45,  40,  21,  61,  51,  48,  18,  20,   9,  46,  18,  17,   7,   8,   2,
	 -1,  53,  -1,  24,  -1,  14,  -1,  24,  -1,  12,  -1,   5,  -1,  10,  -1,   3,  -1,   1,
};

/* The effective severity levels (in tenths) of the scored metrics, after
 * Threat/Environmental defaults and modified Base metrics are applied.
 * Level 0 is the most severe value of each metric. */
enum { L_AV, L_PR, L_UI, L_AC, L_AT, L_VC, L_VI, L_VA, L_CR, L_IR, L_AR, L_SC, L_SI, L_SA, L_E, NLEVELS };

static int eff(const uint8_t *val, int base, int mod)
{
	return val[mod] ? val[mod] : val[base];
}

/* SC/SI/SA: H=1, L=2, N=3 and Safety (MSI/MSA:S) = 0 */
static int subsequent_level(const uint8_t *val, int base, int mod)
{
	int x = eff(val, base, mod);
	return x == 4 ? 0 : x;
}

static void levels(const uint8_t *val, int *lv)
{
	lv[L_AV] = eff(val, AV, MAV) - 1;
	lv[L_PR] = eff(val, PR, MPR) - 1;
	lv[L_UI] = eff(val, UI, MUI) - 1;
	lv[L_AC] = eff(val, AC, MAC) - 1;
	lv[L_AT] = eff(val, AT, MAT) - 1;
	lv[L_VC] = eff(val, VC, MVC) - 1;
	lv[L_VI] = eff(val, VI, MVI) - 1;
	lv[L_VA] = eff(val, VA, MVA) - 1;
	/* X (0) counts as the worst case: E:A, CR/IR/AR:H */
	lv[L_CR] = val[CR] ? val[CR] - 1 : 0;
	lv[L_IR] = val[IR] ? val[IR] - 1 : 0;
	lv[L_AR] = val[AR] ? val[AR] - 1 : 0;
	lv[L_SC] = subsequent_level(val, SC, MSC);
	lv[L_SI] = subsequent_level(val, SI, MSI);
	lv[L_SA] = subsequent_level(val, SA, MSA);
	lv[L_E] = val[E] ? val[E] - 1 : 0;
}

struct eqs {
	int eq[6];
};

/* spec table 24: the six equivalence sets */
static void macrovector(const int *lv, struct eqs *q)
{
	bool av_n = lv[L_AV] == 0, pr_n = lv[L_PR] == 0, ui_n = lv[L_UI] == 0;
	if (av_n && pr_n && ui_n)
		q->eq[0] = 0;
	else if ((av_n || pr_n || ui_n) && lv[L_AV] != 3)
		q->eq[0] = 1;
	else
		q->eq[0] = 2;
	q->eq[1] = (lv[L_AC] == 0 && lv[L_AT] == 0) ? 0 : 1;
	if (lv[L_VC] == 0 && lv[L_VI] == 0)
		q->eq[2] = 0;
	else if (lv[L_VC] == 0 || lv[L_VI] == 0 || lv[L_VA] == 0)
		q->eq[2] = 1;
	else
		q->eq[2] = 2;
	if (lv[L_SI] == 0 || lv[L_SA] == 0)
		q->eq[3] = 0;
	else if (lv[L_SC] == 1 || lv[L_SI] == 1 || lv[L_SA] == 1)
		q->eq[3] = 1;
	else
		q->eq[3] = 2;
	q->eq[4] = lv[L_E];
	bool c = lv[L_CR] == 0 && lv[L_VC] == 0;
	bool i = lv[L_IR] == 0 && lv[L_VI] == 0;
	bool a = lv[L_AR] == 0 && lv[L_VA] == 0;
	q->eq[5] = (c || i || a) ? 0 : 1;
}

/* MacroVector value in tenths, -1 when it does not exist */
static int mv_value(int e1, int e2, int e3, int e4, int e5, int e6)
{
	if (e1 < 0 || e1 > 2 || e2 < 0 || e2 > 1 || e3 < 0 || e3 > 2 || e4 < 0 || e4 > 2 ||
	    e5 < 0 || e5 > 2 || e6 < 0 || e6 > 1)
		return -1;
	return mv_table[((((e1 * 2 + e2) * 3 + e3) * 3 + e4) * 3 + e5) * 2 + e6];
}

/* Highest-severity vectors of each EQ level (spec section 8.2), as levels
 * of the metrics the EQ covers. A row ends with the EQ's metric count. */
#define MAXV 5
struct maxset {
	int n;               /* candidate vectors */
	signed char v[MAXV][6];
};

static const int eq1_metrics[] = { L_AV, L_PR, L_UI };
static const int eq2_metrics[] = { L_AC, L_AT };
static const int eq36_metrics[] = { L_VC, L_VI, L_VA, L_CR, L_IR, L_AR };
static const int eq4_metrics[] = { L_SC, L_SI, L_SA };

static const struct maxset eq1_max[3] = {
	{ 1, { { 0, 0, 0 } } },
	{ 3, { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } } },
	{ 2, { { 3, 0, 0 }, { 1, 1, 1 } } },
};
static const struct maxset eq2_max[2] = {
	{ 1, { { 0, 0 } } },
	{ 2, { { 1, 0 }, { 0, 1 } } },
};
/* [EQ3][EQ6] */
static const struct maxset eq36_max[3][2] = {
	{ { 1, { { 0, 0, 0, 0, 0, 0 } } },
	  { 2, { { 0, 0, 1, 1, 1, 0 }, { 0, 0, 0, 1, 1, 1 } } } },
	{ { 2, { { 1, 0, 0, 0, 0, 0 }, { 0, 1, 0, 0, 0, 0 } } },
	  { 5, { { 1, 0, 1, 0, 1, 0 }, { 1, 0, 0, 0, 1, 1 }, { 0, 1, 0, 1, 0, 1 },
		 { 0, 1, 1, 1, 0, 0 }, { 1, 1, 0, 0, 0, 1 } } } },
	{ { 0, { { 0 } } },
	  { 1, { { 1, 1, 1, 0, 0, 0 } } } },
};
static const struct maxset eq4_max[3] = {
	{ 1, { { 1, 0, 0 } } },
	{ 1, { { 1, 1, 1 } } },
	{ 1, { { 2, 2, 2 } } },
};

/* max severity depth of each EQ level, in tenths (spec section 8.2) */
static const int eq1_depth[3] = { 1, 4, 5 };
static const int eq2_depth[2] = { 1, 2 };
static const int eq36_depth[3][2] = { { 7, 6 }, { 8, 8 }, { 0, 10 } };
static const int eq4_depth[3] = { 6, 5, 4 };

/* Distance (sum of level differences) from the first max vector of the set
 * that the vector does not exceed in severity, -1 when there is none; with
 * last, from the set's last max vector. */
static int distance(const struct maxset *ms, const int *which, int nm, const int *lv, bool last)
{
	for (int k = last ? ms->n - 1 : 0; k >= 0 && k < ms->n; k++) {
		int sum = 0;
		bool ok = true;
		for (int j = 0; j < nm; j++) {
			int d = lv[which[j]] - ms->v[k][j];
			ok = ok && d >= 0;
			sum += d;
		}
		if (ok || last)
			return sum;
	}
	return -1;
}

struct eqdist {
	int d[4];
};

/* The calculator takes the first combination of max vectors that no metric
 * exceeds; when some EQ has none it ends on the last combination. */
static void distances(const struct eqs *q, const int *lv, struct eqdist *out)
{
	const struct maxset *sets[4] = { &eq1_max[q->eq[0]], &eq2_max[q->eq[1]],
					 &eq36_max[q->eq[2]][q->eq[5]], &eq4_max[q->eq[3]] };
	static const int *const which[4] = { eq1_metrics, eq2_metrics, eq36_metrics, eq4_metrics };
	static const int nm[4] = { 3, 2, 6, 3 };
	bool all = true;
	for (int i = 0; i < 4; i++) {
		out->d[i] = distance(sets[i], which[i], nm[i], lv, false);
		all = all && out->d[i] >= 0;
	}
	if (!all)
		for (int i = 0; i < 4; i++)
			out->d[i] = distance(sets[i], which[i], nm[i], lv, true);
}

/* value of the next lower MacroVector for EQ3+EQ6 (spec: the better of the
 * two neighbours when both EQ3 and EQ6 are 0) */
static int lower_eq36(const struct eqs *q)
{
	const int *e = q->eq;
	int e3 = e[2], e6 = e[5];
	if (e3 == 0 && e6 == 0) {
		int left = mv_value(e[0], e[1], 0, e[3], e[4], 1);
		int right = mv_value(e[0], e[1], 1, e[3], e[4], 0);
		return left > right ? left : right;
	}
	if (e3 == 1 && e6 == 0)
		return mv_value(e[0], e[1], 1, e[3], e[4], 1);
	return mv_value(e[0], e[1], e3 + 1, e[3], e[4], e6);
}

/* score10 = value - mean over existing lower MacroVectors of
 * (value - lower) * distance / depth, exact and rounded half up */
static int interpolate(const struct eqs *q, const struct eqdist *dd)
{
	const int *e = q->eq;
	int value = mv_value(e[0], e[1], e[2], e[3], e[4], e[5]);
	int lower[5] = {
		mv_value(e[0] + 1, e[1], e[2], e[3], e[4], e[5]),
		mv_value(e[0], e[1] + 1, e[2], e[3], e[4], e[5]),
		lower_eq36(q),
		mv_value(e[0], e[1], e[2], e[3] + 1, e[4], e[5]),
		mv_value(e[0], e[1], e[2], e[3], e[4] + 1, e[5]),
	};
	int depth[4] = { eq1_depth[e[0]], eq2_depth[e[1]], eq36_depth[e[2]][e[5]], eq4_depth[e[3]] };
	const long long den = 840; /* divisible by every depth */
	long long num = 0;
	int n = 0;
	for (int i = 0; i < 5; i++) {
		if (lower[i] < 0)
			continue;
		n++;
		if (i < 4) /* EQ5 has no distance inside its level */
			num += (long long)(value - lower[i]) * dd->d[i] * (den / depth[i]);
	}
	if (n == 0)
		return value;
	long long total = (long long)n * den;
	long long x = (long long)value * total - num; /* score10 * total */
	if (x <= 0)
		return 0;
	if (x >= 100 * total)
		return 100;
	return (int)((2 * x + total) / (2 * total));
}

static int score40(const struct cvss_vector *v, struct cvss_score *out)
{
	int lv[NLEVELS];
	struct eqs q;
	struct eqdist dd;
	levels(v->val, lv);
	macrovector(lv, &q);
	for (int i = 0; i < 6; i++)
		out->macrovector[i] = (char)('0' + q.eq[i]);
	out->macrovector[6] = '\0';
	bool no_impact = lv[L_VC] == 2 && lv[L_VI] == 2 && lv[L_VA] == 2 && lv[L_SC] == 3 &&
			 lv[L_SI] == 3 && lv[L_SA] == 3;
	if (no_impact) {
		out->score10 = 0;
	} else {
		distances(&q, lv, &dd);
		out->score10 = interpolate(&q, &dd);
	}
	out->base10 = out->score10;
	out->severity = ff_severity_from_score10(out->score10);
	return FF_OK;
}

const struct cvss_version_def cvss40_def = {
	.version = CVSS_V4_0,
	.prefix = "CVSS:4.0",
	.ordered = true,
	.n = NMETRICS,
	.metrics = metrics,
	.score = score40,
};
