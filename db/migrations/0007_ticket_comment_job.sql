-- 0007 a comment job posts its comment once: the comment FlawFix wrote is
-- remembered with the job that wrote it, so a job that runs again after a
-- crash (its lease expired before it was marked done) finds the comment
-- already there instead of posting a second one.

ALTER TABLE ticket_own_comment ADD COLUMN job_id bigint;
CREATE UNIQUE INDEX ticket_own_comment_job ON ticket_own_comment (job_id) WHERE job_id IS NOT NULL;
