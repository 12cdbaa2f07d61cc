-- 0001 foundation: organisations, users, memberships, tokens, sessions,
-- assets and their owners, the audit chain and the job queue.
-- Every tenant row carries org_id. schema_migration and event_chain_head
-- are installation-wide bookkeeping, not tenant data.

CREATE TABLE org (
    id          bigserial PRIMARY KEY,
    org_id      bigint GENERATED ALWAYS AS (id) STORED,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name        text NOT NULL,
    settings    jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO org (slug, name) VALUES ('default', 'Default organisation');

CREATE TABLE app_user (
    id                   bigserial PRIMARY KEY,
    org_id               bigint NOT NULL REFERENCES org(id),
    name                 text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$'),
    email                text,
    display_name         text,
    password_hash        text,
    must_change_password boolean NOT NULL DEFAULT false,
    disabled             boolean NOT NULL DEFAULT false,
    created_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name)
);

CREATE TYPE ff_role AS ENUM ('admin', 'security', 'member', 'auditor');

CREATE TABLE membership (
    org_id      bigint NOT NULL REFERENCES org(id),
    user_id     bigint NOT NULL REFERENCES app_user(id),
    role        ff_role NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, user_id)
);

CREATE TABLE asset (
    id                          bigserial PRIMARY KEY,
    org_id                      bigint NOT NULL REFERENCES org(id),
    name                        text NOT NULL,
    slug                        text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    kind                        text NOT NULL CHECK (kind IN ('application', 'infrastructure')),
    owner                       text,
    category                    text,
    location                    text,
    environment                 text,
    system_type                 text,
    functional_group            text,
    tags                        text[] NOT NULL DEFAULT '{}',
    internet_exposed            boolean NOT NULL DEFAULT false,
    importance                  text CHECK (importance IN ('primary', 'secondary')),
    confidentiality_requirement text NOT NULL DEFAULT 'not_defined'
                                CHECK (confidentiality_requirement IN ('not_defined', 'low', 'medium', 'high')),
    integrity_requirement       text NOT NULL DEFAULT 'not_defined'
                                CHECK (integrity_requirement IN ('not_defined', 'low', 'medium', 'high')),
    availability_requirement    text NOT NULL DEFAULT 'not_defined'
                                CHECK (availability_requirement IN ('not_defined', 'low', 'medium', 'high')),
    default_branch              text NOT NULL DEFAULT 'main',
    archived_at                 timestamptz,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, slug)
);
CREATE INDEX asset_tags ON asset USING gin (tags);

CREATE TABLE asset_owner (
    org_id      bigint NOT NULL REFERENCES org(id),
    asset_id    bigint NOT NULL REFERENCES asset(id),
    user_id     bigint NOT NULL REFERENCES app_user(id),
    role        text NOT NULL CHECK (role IN ('technical', 'risk')),
    PRIMARY KEY (asset_id, role, user_id)
);

CREATE TABLE api_token (
    id           bigserial PRIMARY KEY,
    org_id       bigint NOT NULL REFERENCES org(id),
    user_id      bigint NOT NULL REFERENCES app_user(id),
    name         text NOT NULL DEFAULT '',
    token_hash   text NOT NULL UNIQUE,         -- SHA-256 of the token, never the token
    prefix       text NOT NULL,                -- first characters, to recognise it in lists
    scope        text NOT NULL CHECK (scope IN ('read', 'write', 'upload')),
    asset_id     bigint REFERENCES asset(id),  -- upload tokens are bound to one asset
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    CHECK (scope <> 'upload' OR asset_id IS NOT NULL)
);

CREATE TABLE session (
    id           bigserial PRIMARY KEY,
    org_id       bigint NOT NULL REFERENCES org(id),
    user_id      bigint NOT NULL REFERENCES app_user(id),
    token_hash   text NOT NULL UNIQUE,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL DEFAULT now()
);

-- The audit log: append-only, hash-chained (DESIGN.md section 6).
CREATE TABLE event (
    id            bigserial PRIMARY KEY,
    seq           bigint NOT NULL UNIQUE,      -- position in the chain, set by the trigger
    org_id        bigint NOT NULL REFERENCES org(id),
    asset_id      bigint,
    finding_id    bigint,
    report_id     bigint,
    actor_type    text NOT NULL CHECK (actor_type IN ('user', 'token', 'system', 'tracker_user', 'email')),
    actor_id      text,
    actor_name    text NOT NULL,
    source        text NOT NULL CHECK (source IN ('ui', 'api', 'webhook', 'email', 'cli', 'scheduler', 'worker')),
    type          text NOT NULL,
    from_state    text,
    to_state      text,
    justification text,
    payload       jsonb NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    prev_hash     text NOT NULL,
    hash          text NOT NULL
);
CREATE INDEX event_asset ON event (asset_id, id) WHERE asset_id IS NOT NULL;
CREATE INDEX event_finding ON event (finding_id, id) WHERE finding_id IS NOT NULL;
CREATE INDEX event_created ON event (org_id, created_at);

CREATE TABLE event_chain_head (
    id    int PRIMARY KEY CHECK (id = 1),
    seq   bigint NOT NULL,
    hash  text NOT NULL
);
INSERT INTO event_chain_head VALUES (1, 0, repeat('0', 64));

-- The canonical form of an event: every field length-prefixed, so no
-- field content can imitate a separator. flawfix audit verify rebuilds the
-- same string in C from the stored columns.
CREATE FUNCTION ff_lp(v text) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN v IS NULL THEN '-' ELSE octet_length(v)::text || ':' || v END $$;

CREATE FUNCTION ff_ts(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;

CREATE FUNCTION ff_event_canon(e event) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT ff_lp(e.prev_hash) || ff_lp(e.seq::text) || ff_lp(e.id::text) || ff_lp(e.org_id::text)
        || ff_lp(e.asset_id::text) || ff_lp(e.finding_id::text) || ff_lp(e.report_id::text)
        || ff_lp(e.actor_type) || ff_lp(e.actor_id) || ff_lp(e.actor_name) || ff_lp(e.source)
        || ff_lp(e.type) || ff_lp(e.from_state) || ff_lp(e.to_state) || ff_lp(e.justification)
        || ff_lp(e.payload::text) || ff_lp(ff_ts(e.created_at))
$$;

-- The chain is computed row by row, but the head row is written once per
-- statement: updating one row many times in a transaction makes every
-- update walk the dead versions before it (quadratic for a 100,000-event
-- import). Within a transaction the head lives in transaction-local
-- settings; the first event of a transaction locks the head row until
-- commit, so the chain order is the commit order.
CREATE FUNCTION ff_event_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tx text := txid_current()::text;
    cur_seq bigint;
    cur_hash text;
BEGIN
    IF current_setting('ff.chain_tx', true) IS DISTINCT FROM tx THEN
        SELECT h.seq, h.hash INTO cur_seq, cur_hash FROM event_chain_head h WHERE h.id = 1 FOR UPDATE;
        PERFORM set_config('ff.chain_tx', tx, true);
    ELSE
        cur_seq := current_setting('ff.chain_seq')::bigint;
        cur_hash := current_setting('ff.chain_hash');
    END IF;
    NEW.seq := cur_seq + 1;
    NEW.prev_hash := cur_hash;
    NEW.created_at := coalesce(NEW.created_at, now());
    NEW.hash := encode(sha256(convert_to(ff_event_canon(NEW), 'UTF8')), 'hex');
    PERFORM set_config('ff.chain_seq', NEW.seq::text, true);
    PERFORM set_config('ff.chain_hash', NEW.hash, true);
    RETURN NEW;
END $$;

CREATE TRIGGER event_chain BEFORE INSERT ON event FOR EACH ROW EXECUTE FUNCTION ff_event_chain();

CREATE FUNCTION ff_event_chain_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('ff.chain_tx', true) = txid_current()::text THEN
        UPDATE event_chain_head SET seq = current_setting('ff.chain_seq')::bigint,
            hash = current_setting('ff.chain_hash') WHERE id = 1;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER event_chain_head AFTER INSERT ON event FOR EACH STATEMENT EXECUTE FUNCTION ff_event_chain_head();

CREATE FUNCTION ff_event_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused on event', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER event_no_update BEFORE UPDATE OR DELETE ON event
    FOR EACH ROW EXECUTE FUNCTION ff_event_immutable();
CREATE TRIGGER event_no_truncate BEFORE TRUNCATE ON event
    FOR EACH STATEMENT EXECUTE FUNCTION ff_event_immutable();
CREATE TRIGGER event_head_no_delete BEFORE DELETE ON event_chain_head
    FOR EACH ROW EXECUTE FUNCTION ff_event_immutable();
CREATE TRIGGER event_head_no_truncate BEFORE TRUNCATE ON event_chain_head
    FOR EACH STATEMENT EXECUTE FUNCTION ff_event_immutable();

-- The job queue (DESIGN.md principle 4).
CREATE TABLE job (
    id              bigserial PRIMARY KEY,
    org_id          bigint NOT NULL REFERENCES org(id),
    kind            text NOT NULL,
    payload         jsonb NOT NULL DEFAULT '{}',
    idempotency_key text,
    state           text NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued', 'running', 'done', 'failed')),
    run_at          timestamptz NOT NULL DEFAULT now(),
    attempts        int NOT NULL DEFAULT 0,
    max_attempts    int NOT NULL DEFAULT 8,
    last_error      text,
    locked_by       text,
    locked_until    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);
CREATE UNIQUE INDEX job_idem ON job (org_id, kind, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX job_due ON job (run_at) WHERE state = 'queued';
CREATE INDEX job_leased ON job (locked_until) WHERE state = 'running';

-- The REST representation of an asset, built where the data is.
CREATE FUNCTION ff_asset_json(a asset) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', a.id, 'name', a.name, 'slug', a.slug, 'kind', a.kind, 'owner', a.owner,
        'category', a.category, 'location', a.location, 'environment', a.environment,
        'system_type', a.system_type, 'functional_group', a.functional_group,
        'tags', to_jsonb(a.tags), 'internet_exposed', a.internet_exposed,
        'importance', a.importance,
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
