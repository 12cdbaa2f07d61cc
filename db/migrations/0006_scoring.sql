-- 0006 continuous risk scoring (issue 5): the asset flag that keeps AV:N
-- for assets that are not internet-exposed, where the scoring pipeline
-- stands in the feed change log, and the daily risk snapshots.

ALTER TABLE asset ADD COLUMN keep_network_av boolean NOT NULL DEFAULT false;

CREATE OR REPLACE FUNCTION ff_asset_json(a asset) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', a.id, 'name', a.name, 'slug', a.slug, 'kind', a.kind, 'owner', a.owner,
        'category', a.category, 'location', a.location, 'environment', a.environment,
        'system_type', a.system_type, 'functional_group', a.functional_group,
        'tags', to_jsonb(a.tags), 'internet_exposed', a.internet_exposed,
        'keep_network_av', a.keep_network_av, 'importance', a.importance,
        'confidentiality_requirement', a.confidentiality_requirement,
        'integrity_requirement', a.integrity_requirement,
        'availability_requirement', a.availability_requirement,
        'default_branch', a.default_branch,
        'technical_owners', coalesce((SELECT jsonb_agg(u.name ORDER BY u.name) FROM asset_owner o
            JOIN app_user u ON u.id = o.user_id WHERE o.asset_id = a.id AND o.role = 'technical'), '[]'),
        'risk_owners', coalesce((SELECT jsonb_agg(u.name ORDER BY u.name) FROM asset_owner o
            JOIN app_user u ON u.id = o.user_id WHERE o.asset_id = a.id AND o.role = 'risk'), '[]'),
        'archived', a.archived_at IS NOT NULL, 'archived_at', a.archived_at,
        'created_at', a.created_at, 'updated_at', a.updated_at)
$$;

CREATE TABLE scoring_state (
    id                  int PRIMARY KEY CHECK (id = 1),
    last_feed_change_id bigint NOT NULL DEFAULT 0,
    last_run            timestamptz
);
INSERT INTO scoring_state (id) VALUES (1);

CREATE TABLE risk_snapshot (
    org_id       bigint NOT NULL REFERENCES org(id),
    asset_id     bigint NOT NULL REFERENCES asset(id),
    day          date NOT NULL,
    open_total   int NOT NULL,
    by_severity  jsonb NOT NULL,      -- {"critical": n, "high": n, ...} of open findings
    total_risk   numeric(12, 1) NOT NULL, -- sum of the composed scores of open findings
    PRIMARY KEY (asset_id, day)
);
CREATE INDEX risk_snapshot_org_day ON risk_snapshot (org_id, day);

CREATE INDEX finding_asset ON finding (asset_id, id);

-- a digest of everything a finding's composed score depends on: a pass
-- over unchanged findings costs the database a comparison, no computation
ALTER TABLE finding ADD COLUMN score_inputs text;
