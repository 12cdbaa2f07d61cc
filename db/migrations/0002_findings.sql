-- 0002 scans and findings (issue 4): scopes, scans with their stored
-- report, normalised findings unique per asset and fingerprint, the
-- sources (scopes) that report each finding, and the per-scan changes.

CREATE TABLE scan_scope (
    id        bigserial PRIMARY KEY,
    org_id    bigint NOT NULL REFERENCES org(id),
    asset_id  bigint NOT NULL REFERENCES asset(id),
    scanner   text NOT NULL,
    target    text NOT NULL DEFAULT '',
    UNIQUE (asset_id, scanner, target)
);

CREATE TABLE scan (
    id              bigserial PRIMARY KEY,
    org_id          bigint NOT NULL REFERENCES org(id),
    asset_id        bigint NOT NULL REFERENCES asset(id),
    scope_id        bigint NOT NULL REFERENCES scan_scope(id),
    ref             text NOT NULL,
    is_default_ref  boolean NOT NULL,
    partial         boolean NOT NULL DEFAULT false,
    format          text,               -- requested (NULL = detect)
    detected_format text,
    tool_name       text,
    tool_version    text,
    status          text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    error           jsonb,              -- {message, offset, line, column, pointer}
    report_oid      oid,                -- the stored report (large object); removed after import
    report_size     bigint NOT NULL DEFAULT 0,
    uploaded_by     bigint REFERENCES app_user(id),
    token_id        bigint,
    findings        int NOT NULL DEFAULT 0,
    n_new           int NOT NULL DEFAULT 0,
    n_still_present int NOT NULL DEFAULT 0,
    n_fixed         int NOT NULL DEFAULT 0,
    n_reopened      int NOT NULL DEFAULT 0,
    diff            jsonb,              -- new/still present/fixed/reopened with their findings
    sql_statements  int,                -- statements the import sent (kept small: see the tests)
    created_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz
);
CREATE INDEX scan_asset ON scan (asset_id, id);

CREATE TABLE finding (
    id                bigserial PRIMARY KEY,
    org_id            bigint NOT NULL REFERENCES org(id),
    asset_id          bigint NOT NULL REFERENCES asset(id),
    fingerprint       text NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('sca', 'container', 'sast', 'secret', 'iac', 'dast', 'other')),
    rule_id           text,
    primary_id        text,
    vuln_ids          text[] NOT NULL DEFAULT '{}',
    title             text,
    description       text,
    tool_severity     text,
    severity          text NOT NULL DEFAULT 'unknown'
                      CHECK (severity IN ('unknown', 'none', 'low', 'medium', 'high', 'critical')),
    tool_cvss         jsonb NOT NULL DEFAULT '[]',
    pkg_name          text,
    purl              text,
    version           text,
    fixed_version     text,
    file              text,
    start_line        int,
    end_line          int,
    snippet           text,
    cwes              text[] NOT NULL DEFAULT '{}',
    image             text,
    layer             text,
    target            text,
    vex_state         text,
    vex_justification text,
    state             text NOT NULL DEFAULT 'open',
    state_changed_at  timestamptz NOT NULL DEFAULT now(),
    first_seen        timestamptz NOT NULL DEFAULT now(),
    last_seen         timestamptz NOT NULL DEFAULT now(),
    last_scan_id      bigint,
    -- risk scoring (workflow/risk.c): base, composed, manual override
    score10           int,                -- composed score in tenths, NULL when not scored
    score_version     text,
    base_vector       text,
    base_source       text,
    base_date         text,
    composed_vector   text,
    explanation       jsonb NOT NULL DEFAULT '[]',
    override_vector   text,
    override_justification text,
    -- treatment data
    treatment         jsonb NOT NULL DEFAULT '{}',
    review_date       date,
    revalidation_date date,
    due_date          date,
    tags              text[] NOT NULL DEFAULT '{}',
    row_version       int NOT NULL DEFAULT 1,   -- compare-and-set for state changes
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (asset_id, fingerprint)
);
CREATE INDEX finding_org_state ON finding (org_id, state, id);
CREATE INDEX finding_primary ON finding (primary_id) WHERE primary_id IS NOT NULL;
CREATE INDEX finding_vuln_ids ON finding USING gin (vuln_ids);

CREATE TABLE finding_source (
    org_id        bigint NOT NULL REFERENCES org(id),
    finding_id    bigint NOT NULL REFERENCES finding(id),
    scope_id      bigint NOT NULL REFERENCES scan_scope(id),
    tool_name     text,
    present       boolean NOT NULL DEFAULT true,
    first_seen    timestamptz NOT NULL DEFAULT now(),
    last_seen     timestamptz NOT NULL DEFAULT now(),
    last_scan_id  bigint NOT NULL,
    PRIMARY KEY (finding_id, scope_id)
);
CREATE INDEX finding_source_scope ON finding_source (scope_id) WHERE present;

-- new / fixed / reopened per scan (still present = sources last seen in it)
CREATE TABLE scan_change (
    org_id      bigint NOT NULL REFERENCES org(id),
    scan_id     bigint NOT NULL REFERENCES scan(id),
    finding_id  bigint NOT NULL REFERENCES finding(id),
    change      text NOT NULL CHECK (change IN ('new', 'fixed', 'reopened')),
    PRIMARY KEY (scan_id, finding_id)
);

-- the REST representation of a finding in lists
CREATE FUNCTION ff_finding_json(f finding) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', f.id, 'asset', (SELECT slug FROM asset WHERE id = f.asset_id), 'fingerprint', f.fingerprint,
        'kind', f.kind, 'rule_id', f.rule_id, 'primary_id', f.primary_id, 'vuln_ids', to_jsonb(f.vuln_ids),
        'title', f.title, 'severity', f.severity, 'tool_severity', f.tool_severity,
        'score', CASE WHEN f.score10 IS NULL THEN NULL ELSE round(f.score10 / 10.0, 1) END,
        'score_version', f.score_version, 'composed_vector', f.composed_vector,
        'package', f.pkg_name, 'purl', f.purl, 'version', f.version, 'fixed_version', f.fixed_version,
        'file', f.file, 'line', f.start_line, 'end_line', f.end_line, 'cwes', to_jsonb(f.cwes),
        'target', f.target, 'image', f.image, 'state', f.state, 'tags', to_jsonb(f.tags),
        'first_seen', f.first_seen, 'last_seen', f.last_seen, 'last_scan_id', f.last_scan_id,
        'review_date', f.review_date, 'revalidation_date', f.revalidation_date, 'due_date', f.due_date)
$$;
