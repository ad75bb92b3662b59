"""The tables of the orders flow and their migrations.

Tables (component ``orders``):

- ``orders``: the latest applied version of every order, so that a package
  holding one sub-order recomputes its parent from all known sub-orders.
  ``fields`` holds the version's fields as a JSON array (see
  ``VersionValues``); the parent and the document number are copied out of
  it into columns of their own for the indexes;
- ``order_outcomes``: each order's report, the status that the receipt of its
  version's package (or a follow-up for it) last gave, so that a later
  change of status gets a follow-up receipt; ``recheck`` marks orders
  retried on later runs. An order without a row here is ``pending``, with no
  deal, message or recheck: a new version deletes its order's row;
- ``packages``: every incoming package taken so far, with its progress
  (``applying`` → ``answered`` → ``archived``), so that a crash between
  steps resumes instead of writing a second receipt;
- ``senders``: the highest message number applied per sender;
- ``deal_cache``: document number → the one deal that carries it;
- ``deal_values``: the field values last sent to each deal (``sent``) or read
  when it was looked up (``read``);
- ``sent_batches``: the results of ``batch`` calls that returned during an
  evaluation, one row per batch, committed as each batch returns. At the
  end of the evaluation they are written into ``order_outcomes`` and
  ``deal_values`` in one transaction and deleted; after a crash, the next
  run does that first. One small row per commit keeps each batch's commit
  to a page or two, where updating the 50 orders and deals of a batch in
  place touched about 100 pages scattered over both tables;
- ``followup_rows``: receipt rows owed to earlier packages as follow-ups,
  queued in the transaction that changes the reports they tell of and
  deleted in the transaction that queues their follow-up receipt, so a
  crash between the two loses none.
"""

from __future__ import annotations

from exchange.state.db import Migration

MIGRATIONS: list[Migration] = [
    """
    CREATE TABLE orders (
        ref TEXT PRIMARY KEY,
        parent_ref TEXT,
        number TEXT NOT NULL,
        document_number TEXT,
        payment_status TEXT,
        realization_date TEXT,
        deletion_mark INTEGER NOT NULL,
        posted INTEGER NOT NULL,
        modified_at TEXT,
        sender TEXT NOT NULL,
        package_number INTEGER NOT NULL,
        package_id TEXT NOT NULL
    );
    CREATE INDEX orders_parent ON orders (parent_ref);
    CREATE INDEX orders_document_number ON orders (document_number);
    CREATE TABLE packages (
        package_id TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL,
        kind TEXT NOT NULL,
        sender TEXT NOT NULL,
        number INTEGER NOT NULL,
        source_file TEXT NOT NULL,
        received_at TEXT NOT NULL,
        state TEXT NOT NULL
    );
    CREATE UNIQUE INDEX packages_sender_number ON packages (sender, number);
    CREATE INDEX packages_sha256 ON packages (sha256);
    CREATE TABLE senders (
        sender TEXT PRIMARY KEY,
        last_number INTEGER NOT NULL
    );
    CREATE TABLE order_reports (
        ref TEXT PRIMARY KEY,
        package_id TEXT NOT NULL,
        number TEXT NOT NULL,
        document_number TEXT NOT NULL,
        status TEXT NOT NULL,
        deal_id INTEGER,
        message TEXT NOT NULL,
        rollup INTEGER NOT NULL,
        recheck INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX order_reports_recheck ON order_reports (recheck);
    CREATE TABLE deal_cache (
        document_number TEXT PRIMARY KEY,
        deal_id INTEGER NOT NULL
    );
    CREATE TABLE deal_values (
        deal_id INTEGER PRIMARY KEY,
        payment_status_item TEXT,
        realization_date TEXT,
        source TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE pending_rollups (
        package_id TEXT NOT NULL,
        ref TEXT NOT NULL,
        number TEXT NOT NULL,
        document_number TEXT NOT NULL,
        PRIMARY KEY (ref, package_id)
    )
    """,
    # Each order's report moves into its version's row: both always named the
    # same package, number and document number, and one row per order halves
    # the writes of a large package. WITHOUT ROWID stores each row once, in
    # the primary-key tree, and the partial indexes hold only the rows that
    # their queries look for.
    """
    CREATE TABLE orders_v3 (
        ref TEXT PRIMARY KEY,
        parent_ref TEXT,
        number TEXT NOT NULL,
        document_number TEXT,
        payment_status TEXT,
        realization_date TEXT,
        deletion_mark INTEGER NOT NULL,
        posted INTEGER NOT NULL,
        modified_at TEXT,
        sender TEXT NOT NULL,
        package_number INTEGER NOT NULL,
        package_id TEXT NOT NULL,
        status TEXT NOT NULL,
        deal_id INTEGER,
        message TEXT NOT NULL,
        recheck INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO orders_v3
    SELECT o.ref, o.parent_ref, o.number, o.document_number, o.payment_status,
        o.realization_date, o.deletion_mark, o.posted, o.modified_at, o.sender,
        o.package_number, o.package_id, coalesce(r.status, 'pending'), r.deal_id,
        coalesce(r.message, ''), coalesce(r.recheck, 1)
    FROM orders AS o LEFT JOIN order_reports AS r ON r.ref = o.ref;
    DROP TABLE orders;
    DROP TABLE order_reports;
    ALTER TABLE orders_v3 RENAME TO orders;
    CREATE INDEX orders_parent ON orders (parent_ref) WHERE parent_ref IS NOT NULL;
    CREATE INDEX orders_counting_number ON orders (document_number)
    WHERE parent_ref IS NULL AND posted = 1 AND deletion_mark = 0;
    CREATE INDEX orders_recheck ON orders (ref) WHERE recheck = 1;
    CREATE TABLE sent_batches (
        seq INTEGER PRIMARY KEY,
        data TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE followup_rows (
        seq INTEGER PRIMARY KEY,
        package_id TEXT NOT NULL,
        data TEXT NOT NULL
    )
    """,
    # Outcomes move to a narrow table of their own, and an order without a
    # row there is pending. A new version's report then costs no placeholder,
    # and its outcome is one narrow insert instead of an update of its wide
    # version row.
    """
    CREATE TABLE order_outcomes (
        ref TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        deal_id INTEGER,
        message TEXT NOT NULL,
        recheck INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO order_outcomes
    SELECT ref, status, deal_id, message, recheck FROM orders
    WHERE status != 'pending' OR deal_id IS NOT NULL OR message != '' OR recheck != 0;
    DROP INDEX orders_recheck;
    ALTER TABLE orders DROP COLUMN status;
    ALTER TABLE orders DROP COLUMN deal_id;
    ALTER TABLE orders DROP COLUMN message;
    ALTER TABLE orders DROP COLUMN recheck;
    CREATE INDEX order_outcomes_recheck ON order_outcomes (ref) WHERE recheck = 1
    """,
    # A version's fields move into one JSON array, and only the two columns
    # that an index needs are copied out of it. The package's versions are
    # stored by one INSERT ... SELECT over json_each, where SQLite parses the
    # whole row text again for each column it extracts: on a package of
    # 100,000 orders, extracting nine columns took 0.33 s of the statement's
    # 0.51 s. The counting conditions besides the parent are checked on the
    # few rows that the number index finds.
    """
    CREATE TABLE orders_v6 (
        ref TEXT PRIMARY KEY,
        parent_ref TEXT,
        document_number TEXT,
        fields TEXT NOT NULL,
        sender TEXT NOT NULL,
        package_number INTEGER NOT NULL,
        package_id TEXT NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO orders_v6
    SELECT ref, parent_ref, document_number,
        json_array(parent_ref, number, document_number, payment_status,
            realization_date, json(iif(deletion_mark, 'true', 'false')),
            json(iif(posted, 'true', 'false')), modified_at),
        sender, package_number, package_id
    FROM orders;
    DROP TABLE orders;
    ALTER TABLE orders_v6 RENAME TO orders;
    CREATE INDEX orders_parent ON orders (parent_ref) WHERE parent_ref IS NOT NULL;
    CREATE INDEX orders_top_number ON orders (document_number)
    WHERE parent_ref IS NULL
    """,
]
