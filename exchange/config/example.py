"""The commented example configuration that ``exchange config init`` writes."""

EXAMPLE = """\
# Configuration of the exchange service between 1C:TMS and Bitrix24.
# Every setting can be overridden by an environment variable named
# EXCHANGE_<SECTION>__<KEY>, e.g. EXCHANGE_BITRIX24__WEBHOOK_URL.
# Secrets (webhook URL, SFTP password, key passphrase, event token) belong in
# the environment or in a TOML secrets file with these same sections, named
# by EXCHANGE_SECRETS_FILE and readable only by the service user.
# Relative paths are taken from the folder of this file.

[paths]
inbox = "inbox"                    # where 1C writes packages
outbox = "outbox"                  # where the service writes packages for 1C
archive = "archive"                # processed files and the chain heads
errors = "errors"                  # rejected files with their rejections
state = "state/exchange.sqlite3"   # the state database (SQLite)
dry_run = "dry-run"                # planned batch calls of --dry-run

[inbox]
source = "local"        # local: the inbox folder; sftp: the [sftp] server
observer = "native"     # native (inotify and the like) or polling (SMB, NFS)
settle_seconds = 5      # a file unchanged this long counts as completely written
rescan_seconds = 60     # full rescan of the inbox, seconds
max_file_mib = 256      # larger files are rejected, MiB
max_errors = 100        # errors listed per rejected file

[outbox]
target = "local"        # local: the outbox folder; sftp: [sftp] outbox

[onec]
timezone = "Europe/Moscow"   # time zone of 1C dates written without an offset
node = "B24"                 # sender code of the packages this service writes

[bitrix24]
# webhook_url = ""           # secret: set EXCHANGE_BITRIX24__WEBHOOK_URL
requests_per_second = 2.0    # the portal's leaky bucket drains this many per second
burst = 50                   # requests the portal takes at once (Enterprise: 250)
timeout_seconds = 60         # time limit of one HTTP request, seconds
max_attempts = 6             # attempts per request on 5xx responses and timeouts
max_retry_seconds = 120      # total time spent retrying one request, seconds
fields_refresh_seconds = 3600  # the daemon reads the deal fields and list items
                               # again after this long, seconds; sooner when a
                               # run finds a field or list item missing

[bitrix24.deal_fields]
document_number = "UF_CRM_..."    # Номер документа (string)
payment_status = "UF_CRM_..."     # Статус оплаты (list; items resolved by text)
realization_date = "UF_CRM_..."   # Дата реализации (date or date-time)

# Name a list item for a 1C payment status when its text differs from
# "Не оплачен", "Оплачен частично", "Оплачен полностью". Keys are the 1C value
# names, in quotes because they are Cyrillic; each value is one of
# { id = N }, { xml_id = "..." } or { text = "..." }.
# The table can also come from EXCHANGE_BITRIX24__PAYMENT_STATUS_ITEMS as
# JSON, though this file is the clearer place for it.
[bitrix24.payment_status_items]
# "НеОплачен" = { id = 45 }
# "ОплаченЧастично" = { xml_id = "PARTIAL" }
# "ОплаченПолностью" = { text = "Оплачено" }

[orders]
retry_pending_seconds = 300   # how often the daemon retries pending orders, seconds

[counterparties]
# The counterparty export runs once trigger_field is set.
trigger_entity = "deal"       # entity carrying the flag: deal, company or contact
trigger_field = ""            # boolean field "Подлежит загрузке в 1С", UF_CRM_...
ref_field = ""                # 1C reference field on companies and contacts, UF_CRM_...
company_ref_field = ""        # overrides ref_field on companies when set
contact_ref_field = ""        # overrides ref_field on contacts when set
export_interval_seconds = 300 # how often the daemon exports flagged items, seconds
resend_after_hours = 24       # export again when no receipt came in this time, hours
phone_region = "RU"           # region of phone numbers written without a country code

[sftp]
host = ""                     # SFTP server of the inbox or outbox
port = 22
username = ""
# password = ""               # secret: EXCHANGE_SFTP__PASSWORD
# key_path = "keys/id_ed25519"
# key_passphrase = ""         # secret: EXCHANGE_SFTP__KEY_PASSPHRASE
known_hosts = "known_hosts"   # host keys accepted for the server
fingerprint = ""              # or a pinned key, as ssh-keygen -lf prints it: SHA256:...
inbox = "inbox"               # remote folder where 1C writes packages
processing = "inbox/processing"
done = "inbox/done"
errors = "inbox/errors"
delete_done = false           # delete processed remote files instead of moving to done
outbox = "outbox"             # remote folder for packages to 1C
connect_timeout_seconds = 15
operation_timeout_seconds = 60
keepalive_seconds = 30

[archive]
retention_days = 0            # remove archived files older than this; 0 keeps them

[events]
enabled = false               # listen for Bitrix24 outgoing webhook events
host = "127.0.0.1"
port = 8765
# application_token = ""      # secret: EXCHANGE_EVENTS__APPLICATION_TOKEN

[display]
timezone = ""                 # zone of times that status and audit print, e.g.
                              # Europe/Moscow; empty prints UTC (with Z)
"""
