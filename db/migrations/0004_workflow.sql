-- 0004 the risk-treatment workflow (issue 6): policy settings per
-- organisation and per asset, the acceptance requester, comments,
-- transfer recipients, login throttling.

-- Policy settings as key/value strings, exactly the keys of
-- workflow/policy.h (wf_policy_set validates them). asset_id NULL = the
-- organisation's setting; an asset's row overrides it.
CREATE TABLE policy_setting (
    id          bigserial PRIMARY KEY,
    org_id      bigint NOT NULL REFERENCES org(id),
    asset_id    bigint REFERENCES asset(id),
    key         text NOT NULL CHECK (key ~ '^[a-z_]+(\.[a-z]+)?$'),
    value       text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX policy_setting_key ON policy_setting (org_id, coalesce(asset_id, 0), key);

-- who asked for the pending acceptance (four eyes: the approver must be
-- someone else); NULL outside acceptance_requested
ALTER TABLE finding ADD COLUMN requester_id bigint REFERENCES app_user(id);
CREATE INDEX finding_review ON finding (org_id, review_date) WHERE review_date IS NOT NULL;
CREATE INDEX finding_revalidation ON finding (org_id, revalidation_date) WHERE revalidation_date IS NOT NULL;

-- free text on a finding (or a report), from any channel
CREATE TABLE comment (
    id          bigserial PRIMARY KEY,
    org_id      bigint NOT NULL REFERENCES org(id),
    finding_id  bigint REFERENCES finding(id),
    report_id   bigint,
    author_id   bigint REFERENCES app_user(id),
    author_name text NOT NULL,
    source      text NOT NULL CHECK (source IN ('ui', 'api', 'ticket', 'email', 'cli')),
    text        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (finding_id IS NOT NULL OR report_id IS NOT NULL)
);
CREATE INDEX comment_finding ON comment (finding_id, id) WHERE finding_id IS NOT NULL;

-- risk transfers: who received the finding, until when, with which message;
-- the mail issue fills message_id / reply_token / sent_at / replied_at
CREATE TABLE transfer (
    id              bigserial PRIMARY KEY,
    org_id          bigint NOT NULL REFERENCES org(id),
    finding_id      bigint NOT NULL REFERENCES finding(id),
    recipient_email text NOT NULL,
    recipient_name  text,
    due_date        date NOT NULL,
    message         text,
    created_by      bigint REFERENCES app_user(id),
    message_id      text,
    reply_token     text,
    sent_at         timestamptz,
    replied_at      timestamptz,
    undeliverable   boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX transfer_finding ON transfer (finding_id, id);

-- brute-force throttling of logins: one row per user name ("user:NAME")
-- and per client address ("addr:IP"); failures count inside a window
CREATE TABLE login_throttle (
    key           text PRIMARY KEY,
    failures      int NOT NULL DEFAULT 0,
    window_start  timestamptz NOT NULL DEFAULT now(),
    locked_until  timestamptz
);
