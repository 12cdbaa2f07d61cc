-- 0005 ticket trackers (issue 7): tracker instances per organisation, the
-- asset binding, user identities per tracker, tickets, webhook deliveries,
-- the remote comments we wrote (echo suppression) and reconcile marks.

-- A tracker instance. token_enc / webhook_secret_enc hold libsodium
-- secretbox text ("v1:" base64(nonce || box)) under the key in
-- cfg secret_key_file; they never leave the daemon.
CREATE TABLE tracker (
    id                    bigserial PRIMARY KEY,
    org_id                bigint NOT NULL REFERENCES org(id),
    name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    kind                  text NOT NULL CHECK (kind IN ('jira', 'gitlab', 'redmine')),
    mode                  text NOT NULL DEFAULT 'default' CHECK (mode IN ('default', 'cloud', 'dc')),
    base_url              text NOT NULL CHECK (base_url ~ '^https?://'),
    project               text NOT NULL,
    issue_type            text,
    labels                text[] NOT NULL DEFAULT '{}',
    fields                jsonb NOT NULL DEFAULT '{}',   -- field mapping: remote name -> JSON value
    user_name             text,                          -- Jira e-mail / DC user; NULL: token alone
    token_enc             text NOT NULL,
    webhook_secret_enc    text,
    close_status          text,
    reopen_status         text,
    integration_user_id   text,                          -- our own user at the tracker (echoes)
    integration_user_name text,
    poll_since            text,                          -- Redmine polling: last updated_on seen
    reconciled_at         timestamptz,                   -- reconcile mark: last complete pass
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, name)
);

-- an asset's binding: its tickets go to this tracker (and project, when
-- it differs from the tracker's default)
ALTER TABLE asset ADD COLUMN tracker_id bigint REFERENCES tracker(id);
ALTER TABLE asset ADD COLUMN tracker_project text;

-- who a FlawFix user is at a tracker (assignee, slash-command author)
CREATE TABLE tracker_identity (
    tracker_id   bigint NOT NULL REFERENCES tracker(id),
    user_id      bigint NOT NULL REFERENCES app_user(id),
    remote_id    text NOT NULL,
    remote_name  text,
    source       text NOT NULL DEFAULT 'admin' CHECK (source IN ('admin', 'email')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tracker_id, user_id),
    UNIQUE (tracker_id, remote_id)
);

-- one ticket per finding (our key "ff-<finding id>" is on the remote
-- ticket as a label/marker, so creation is find-before-create)
CREATE TABLE ticket (
    id            bigserial PRIMARY KEY,
    org_id        bigint NOT NULL REFERENCES org(id),
    tracker_id    bigint NOT NULL REFERENCES tracker(id),
    finding_id    bigint NOT NULL REFERENCES finding(id),
    our_key       text NOT NULL,
    project       text,                                -- the asset's project when not the tracker's
    remote_id     text,
    remote_key    text,
    url           text,
    remote_state  text CHECK (remote_state IN ('open', 'done', 'unknown', 'deleted')),
    last_synced   timestamptz,
    last_journal  bigint NOT NULL DEFAULT 0,           -- Redmine: last journal id processed
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (finding_id),
    UNIQUE (tracker_id, our_key)
);
CREATE UNIQUE INDEX ticket_remote ON ticket (tracker_id, remote_id) WHERE remote_id IS NOT NULL;

-- webhook deliveries seen: a replay of a delivery id is ignored; the body
-- waits here for the ticket.event job
CREATE TABLE ticket_delivery (
    id            bigserial PRIMARY KEY,
    org_id        bigint NOT NULL REFERENCES org(id),
    tracker_id    bigint NOT NULL REFERENCES tracker(id),
    delivery_id   text NOT NULL,
    headers       jsonb NOT NULL DEFAULT '{}',
    body          text NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    processed_at  timestamptz,
    outcome       text,
    UNIQUE (tracker_id, delivery_id)
);

-- comment ids we wrote at the tracker: their echoes are dropped
CREATE TABLE ticket_own_comment (
    tracker_id    bigint NOT NULL REFERENCES tracker(id),
    remote_id     text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tracker_id, remote_id)
);

-- remote comments already turned into FlawFix comments: Jira sends one
-- comment in two deliveries (comment_created and jira:issue_updated), so
-- comments are de-duplicated by their remote id as well. reply: the answer
-- to a slash command not posted yet (a retry posts it, never re-applies)
CREATE TABLE ticket_seen_comment (
    tracker_id    bigint NOT NULL REFERENCES tracker(id),
    remote_id     text NOT NULL,
    reply         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tracker_id, remote_id)
);

-- the ticket of a finding as the REST API shows it: the remote side, what
-- is still to do (pending ticket jobs), what failed and the last error.
-- NULL when the finding never had a ticket (nor a ticket.create).
CREATE INDEX job_ticket_finding ON job ((payload->>'finding_id')) WHERE kind LIKE 'ticket.%';
CREATE FUNCTION ff_finding_ticket_json(fid bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('tracker_id', t.tracker_id, 'key', t.remote_key, 'url', t.url,
        'remote_state', t.remote_state, 'last_synced', t.last_synced,
        'last_error', coalesce(t.last_error, (SELECT j.last_error FROM job j WHERE j.kind LIKE 'ticket.%'
            AND j.state IN ('queued', 'running', 'failed') AND j.payload->>'finding_id' = fid::text
            ORDER BY j.id DESC LIMIT 1)),
        'failed', (SELECT coalesce(jsonb_agg(j.kind ORDER BY j.id), '[]') FROM job j WHERE j.kind LIKE 'ticket.%'
            AND j.state = 'failed' AND j.payload->>'finding_id' = fid::text),
        'pending', (SELECT coalesce(jsonb_agg(j.kind ORDER BY j.id), '[]') FROM job j WHERE j.kind LIKE 'ticket.%'
            AND j.state IN ('queued', 'running') AND j.payload->>'finding_id' = fid::text))
    FROM (SELECT NULL) x LEFT JOIN ticket t ON t.finding_id = fid
    WHERE t.id IS NOT NULL OR EXISTS (SELECT 1 FROM job j WHERE j.kind LIKE 'ticket.%'
        AND j.kind = 'ticket.create' AND j.payload->>'finding_id' = fid::text)
$$;
