-- Figures for /stats (issue 13).
--
-- Who was active on which UTC day ("wrote or pressed anything"): one row per member and day,
-- written once a day from the gate. Nothing else is kept: no text, no chat, no time of day.
CREATE TABLE activity_days (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day         TEXT    NOT NULL,                   -- 'YYYY-MM-DD', UTC
    PRIMARY KEY (user_id, day)
) WITHOUT ROWID;
CREATE INDEX activity_days_by_day ON activity_days (day);

-- A membership that ended (left, removed, erased): counted as "left" and kept in the weekly
-- member counts. It carries no person, only the UTC days the membership started and ended
-- (as midnight, to compare with other times), and goes after the 12 weeks /stats reads.
CREATE TABLE membership_departures (
    hub_id      INTEGER NOT NULL,                   -- no foreign key: a deleted hub's rows go too
    joined_at   TEXT    NOT NULL,                   -- 'YYYY-MM-DDT00:00:00Z'
    left_at     TEXT    NOT NULL,                   -- 'YYYY-MM-DDT00:00:00Z'
    -- 1 when the person had no membership left in any hub: only these count for the network
    last_one    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX membership_departures_by_hub ON membership_departures (hub_id, left_at);

CREATE TRIGGER memberships_departure AFTER DELETE ON memberships BEGIN
    INSERT INTO membership_departures (hub_id, joined_at, left_at, last_one)
    VALUES (old.hub_id, strftime('%Y-%m-%dT00:00:00Z', old.joined_at),
            strftime('%Y-%m-%dT00:00:00Z', 'now'),
            NOT EXISTS (SELECT 1 FROM memberships WHERE user_id = old.user_id));
END;

CREATE TRIGGER hubs_departures_delete AFTER DELETE ON hubs BEGIN
    DELETE FROM membership_departures WHERE hub_id = old.id;
END;

-- Median time to an answer and the 30-day windows read questions by hub and time.
CREATE INDEX questions_by_hub_created ON questions (hub_id, created_at);
