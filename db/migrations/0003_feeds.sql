-- 0003 feeds: mirrors of the public enrichment feeds (NVD, CISA KEV, FIRST
-- EPSS, ExploitDB), the per-source sync state and the log of CVEs whose
-- score inputs changed. Public data is installation-wide, not tenant data:
-- one copy serves every organisation, so these tables carry no org_id.

CREATE TABLE cve (
    id            text PRIMARY KEY CHECK (id ~ '^CVE-[0-9]{4}-[0-9]{4,19}$'),
    cna           text,                        -- sourceIdentifier (CVE numbering authority)
    published     timestamptz,
    last_modified timestamptz,
    vuln_status   text,
    rejected      boolean NOT NULL DEFAULT false,
    description   text,
    cwes          text[] NOT NULL DEFAULT '{}',
    -- every metric as published: [{"version","source","type","vector","score","severity"}]
    metrics       jsonb NOT NULL DEFAULT '[]',
    -- the chosen base: 4.0 > 3.1 > 3.0 > 2.0, NVD Primary before CNA Secondary
    base_version  text CHECK (base_version IN ('4.0', '3.1', '3.0', '2.0')),
    base_vector   text,
    base_score    numeric(3, 1),
    base_source   text,
    base_type     text,
    synced_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cve_cna ON cve (cna);

CREATE TABLE kev (
    cve_id            text PRIMARY KEY,
    vendor            text NOT NULL,
    product           text NOT NULL,
    name              text NOT NULL,
    date_added        date NOT NULL,
    due_date          date NOT NULL,
    ransomware        text NOT NULL CHECK (ransomware IN ('Known', 'Unknown')),
    required_action   text NOT NULL,
    short_description text NOT NULL,
    notes             text NOT NULL DEFAULT '',
    cwes              text[] NOT NULL DEFAULT '{}',
    synced_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE epss (
    cve_id        text PRIMARY KEY,
    score         double precision NOT NULL CHECK (score BETWEEN 0 AND 1),
    percentile    double precision NOT NULL CHECK (percentile BETWEEN 0 AND 1),
    model_version text NOT NULL,
    score_date    date NOT NULL
);

-- one row per (exploit, CVE): an exploit naming three CVEs has three rows
CREATE TABLE exploit (
    exploit_id     bigint NOT NULL,
    cve_id         text NOT NULL,
    file           text NOT NULL DEFAULT '',
    description    text NOT NULL DEFAULT '',
    type           text NOT NULL DEFAULT '',
    platform       text NOT NULL DEFAULT '',
    date_published date,
    verified       boolean NOT NULL DEFAULT false,
    PRIMARY KEY (exploit_id, cve_id)
);
CREATE INDEX exploit_cve ON exploit (cve_id);

CREATE TABLE feed_state (
    source        text PRIMARY KEY CHECK (source IN ('nvd', 'kev', 'epss', 'exploitdb')),
    last_success  timestamptz,
    last_attempt  timestamptz,
    records       bigint NOT NULL DEFAULT 0,   -- rows in the mirror after the last success
    last_read     bigint NOT NULL DEFAULT 0,   -- records read by the last successful sync
    last_written  bigint NOT NULL DEFAULT 0,   -- rows inserted or changed by it
    last_error    text,
    last_error_at timestamptz,
    resume_cursor jsonb,                       -- NVD: where an interrupted sync continues
    sync_mark     text                         -- NVD: lastModEndDate of the last complete sync
);
INSERT INTO feed_state (source) VALUES ('nvd'), ('kev'), ('epss'), ('exploitdb');

-- CVEs whose score inputs changed (NVD base metrics or rejection, KEV
-- membership, ExploitDB exploit existence); the scoring pipeline reads the
-- rows after the last id it processed. EPSS is shown, not scored: not logged.
CREATE TABLE feed_change (
    id         bigserial PRIMARY KEY,
    source     text NOT NULL,
    cve_id     text NOT NULL,
    reason     text NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feed_change_cve ON feed_change (cve_id);
