/* workflow/cvss3.c - CVSS v3.1 and v3.0 (Base, Temporal, Environmental) and
 * CVSS v2.0 (Base only), following each specification's equations and
 * FIRST's reference calculators, including the order of floating-point
 * operations, so that scores match the official calculators exactly:
 *   - v3.1 Roundup works on integers (spec 3.1 Appendix A): the value is
 *     first rounded to 5 decimals, then rounded up to one decimal;
 *   - v3.0 Roundup is ceil(x * 10) / 10;
 *   - v3.1 changed the Scope-Changed modified impact
 *     (7.52 x (MISS - 0.029) - 3.25 x (MISS x 0.9731 - 0.02)^13);
 *   - the Environmental score is always computed (Not Defined = the Base
 *     value), as FIRST's calculators do, so in v3.1 it can differ from the
 *     Base score by 0.1 even with no Environmental metric. */
#include <math.h>

#include "common/rc.h"
#include "cvss_int.h"

enum {
	AV, AC, PR, UI, S, C, I, A, E, RL, RC, CR, IR, AR,
	MAV, MAC, MPR, MUI, MS, MC, MI, MA, N3
};

/* value order = index into the weight tables below (X = 0 = Not Defined) */
static const struct cvss_metric_def metrics3[N3] = {
	[AV] = { "AV", { "N", "A", "L", "P" }, true },
	[AC] = { "AC", { "L", "H" }, true },
	[PR] = { "PR", { "N", "L", "H" }, true },
	[UI] = { "UI", { "N", "R" }, true },
	[S] = { "S", { "U", "C" }, true },
	[C] = { "C", { "H", "L", "N" }, true },
	[I] = { "I", { "H", "L", "N" }, true },
	[A] = { "A", { "H", "L", "N" }, true },
	[E] = { "E", { "U", "P", "F", "H" }, false },
	[RL] = { "RL", { "O", "T", "W", "U" }, false },
	[RC] = { "RC", { "U", "R", "C" }, false },
	[CR] = { "CR", { "L", "M", "H" }, false },
	[IR] = { "IR", { "L", "M", "H" }, false },
	[AR] = { "AR", { "L", "M", "H" }, false },
	[MAV] = { "MAV", { "N", "A", "L", "P" }, false },
	[MAC] = { "MAC", { "L", "H" }, false },
	[MPR] = { "MPR", { "N", "L", "H" }, false },
	[MUI] = { "MUI", { "N", "R" }, false },
	[MS] = { "MS", { "U", "C" }, false },
	[MC] = { "MC", { "H", "L", "N" }, false },
	[MI] = { "MI", { "H", "L", "N" }, false },
	[MA] = { "MA", { "H", "L", "N" }, false },
};

/* weights indexed by the 1-based value (index 0 unused or Not Defined) */
static const double w_av[] = { 0, 0.85, 0.62, 0.55, 0.2 };
static const double w_ac[] = { 0, 0.77, 0.44 };
static const double w_pr_u[] = { 0, 0.85, 0.62, 0.27 };
static const double w_pr_c[] = { 0, 0.85, 0.68, 0.5 };
static const double w_ui[] = { 0, 0.85, 0.62 };
static const double w_cia[] = { 0, 0.56, 0.22, 0 };
static const double w_e[] = { 1, 0.91, 0.94, 0.97, 1 };
static const double w_rl[] = { 1, 0.95, 0.96, 0.97, 1 };
static const double w_rc[] = { 1, 0.92, 0.96, 1 };
static const double w_req[] = { 1, 0.5, 1, 1.5 };

/* v3.1 Roundup in tenths (spec 3.1 Appendix A) */
static int roundup31(double x)
{
	long long i = llround(x * 100000.0);
	if (i % 10000 == 0)
		return (int)(i / 10000);
	return (int)(i / 10000) + 1;
}

/* v3.0 Roundup in tenths */
static int roundup30(double x)
{
	return (int)ceil(x * 10.0);
}

static int mod(const uint8_t *v, int m, int base)
{
	return v[m] ? v[m] : v[base];
}

static bool v31(const struct cvss_vector *v)
{
	return v->version == CVSS_V3_1;
}

static int roundup(const struct cvss_vector *v, double x)
{
	return v31(v) ? roundup31(x) : roundup30(x);
}

static int base_score(const struct cvss_vector *v)
{
	const uint8_t *m = v->val;
	bool changed = m[S] == 2;
	double iss = 1 - ((1 - w_cia[m[C]]) * (1 - w_cia[m[I]]) * (1 - w_cia[m[A]]));
	double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15) : 6.42 * iss;
	double pr = changed ? w_pr_c[m[PR]] : w_pr_u[m[PR]];
	double expl = 8.22 * w_av[m[AV]] * w_ac[m[AC]] * pr * w_ui[m[UI]];
	if (impact <= 0)
		return 0;
	if (changed)
		return roundup(v, fmin(1.08 * (impact + expl), 10));
	return roundup(v, fmin(impact + expl, 10));
}

static int temporal_score(const struct cvss_vector *v, int base10)
{
	const uint8_t *m = v->val;
	return roundup(v, base10 / 10.0 * w_e[m[E]] * w_rl[m[RL]] * w_rc[m[RC]]);
}

static double modified_impact(const struct cvss_vector *v, bool changed)
{
	const uint8_t *m = v->val;
	double miss = fmin(1 - ((1 - w_cia[mod(m, MC, C)] * w_req[m[CR]]) *
				(1 - w_cia[mod(m, MI, I)] * w_req[m[IR]]) *
				(1 - w_cia[mod(m, MA, A)] * w_req[m[AR]])),
			   0.915);
	if (!changed)
		return 6.42 * miss;
	if (v31(v))
		return 7.52 * (miss - 0.029) - 3.25 * pow(miss * 0.9731 - 0.02, 13);
	return 7.52 * (miss - 0.029) - 3.25 * pow(miss - 0.02, 15);
}

static int environmental_score(const struct cvss_vector *v)
{
	const uint8_t *m = v->val;
	bool changed = mod(m, MS, S) == 2;
	double impact = modified_impact(v, changed);
	double pr = changed ? w_pr_c[mod(m, MPR, PR)] : w_pr_u[mod(m, MPR, PR)];
	double expl = 8.22 * w_av[mod(m, MAV, AV)] * w_ac[mod(m, MAC, AC)] * pr * w_ui[mod(m, MUI, UI)];
	if (impact <= 0)
		return 0;
	double sum = changed ? fmin(1.08 * (impact + expl), 10) : fmin(impact + expl, 10);
	int r = roundup(v, sum);
	return roundup(v, r / 10.0 * w_e[m[E]] * w_rl[m[RL]] * w_rc[m[RC]]);
}

static int score3(const struct cvss_vector *v, struct cvss_score *out)
{
	out->base10 = base_score(v);
	out->temporal10 = temporal_score(v, out->base10);
	out->environmental10 = environmental_score(v);
	out->score10 = out->environmental10;
	out->severity = ff_severity_from_score10(out->score10);
	return FF_OK;
}

const struct cvss_version_def cvss31_def = {
	.version = CVSS_V3_1,
	.prefix = "CVSS:3.1",
	.ordered = false,
	.n = N3,
	.metrics = metrics3,
	.score = score3,
};

const struct cvss_version_def cvss30_def = {
	.version = CVSS_V3_0,
	.prefix = "CVSS:3.0",
	.ordered = false,
	.n = N3,
	.metrics = metrics3,
	.score = score3,
};

/* ---- CVSS v2.0 Base (spec v2 section 3.2.1) ---- */

enum { AV2, AC2, AU2, C2, I2, A2, N2 };

static const struct cvss_metric_def metrics2[N2] = {
	[AV2] = { "AV", { "L", "A", "N" }, true },
	[AC2] = { "AC", { "H", "M", "L" }, true },
	[AU2] = { "Au", { "M", "S", "N" }, true },
	[C2] = { "C", { "N", "P", "C" }, true },
	[I2] = { "I", { "N", "P", "C" }, true },
	[A2] = { "A", { "N", "P", "C" }, true },
};

static const double w2_av[] = { 0, 0.395, 0.646, 1.0 };
static const double w2_ac[] = { 0, 0.35, 0.61, 0.71 };
static const double w2_au[] = { 0, 0.45, 0.56, 0.704 };
static const double w2_cia[] = { 0, 0, 0.275, 0.660 };

/* NVD's v2 bands: Low 0.0-3.9, Medium 4.0-6.9, High 7.0-10.0 */
static enum ff_severity severity2(int score10)
{
	if (score10 < 40)
		return FF_SEV_LOW;
	return score10 < 70 ? FF_SEV_MEDIUM : FF_SEV_HIGH;
}

static int score2(const struct cvss_vector *v, struct cvss_score *out)
{
	const uint8_t *m = v->val;
	double impact = 10.41 * (1 - (1 - w2_cia[m[C2]]) * (1 - w2_cia[m[I2]]) * (1 - w2_cia[m[A2]]));
	double expl = 20 * w2_av[m[AV2]] * w2_ac[m[AC2]] * w2_au[m[AU2]];
	double f = impact == 0 ? 0 : 1.176;
	double base = ((0.6 * impact) + (0.4 * expl) - 1.5) * f;
	/* round to one decimal, half up; the epsilon absorbs binary noise */
	int b = (int)floor(base * 10.0 + 0.5 + 1e-9);
	out->base10 = b < 0 ? 0 : b;
	out->score10 = out->base10;
	out->severity = severity2(out->score10);
	return FF_OK;
}

const struct cvss_version_def cvss20_def = {
	.version = CVSS_V2_0,
	.prefix = NULL,
	.ordered = false,
	.n = N2,
	.metrics = metrics2,
	.score = score2,
};
