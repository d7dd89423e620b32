
use builtin;
use str;

set edit:completion:arg-completer[vdt] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'vdt'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'vdt'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Set up vdt: connection, collections, sync frequency; writes the config and database'
            cand db 'Database: schema status, migrations, backup, restore, retention'
            cand config 'Show and check the configuration; manage synced collections'
            cand sync 'Mirror Firestore collections into SQLite (once, or --watch)'
            cand serve-webhooks 'Receive signed webhooks on POST /hooks/{source}'
            cand cache 'Redis cache: statistics, lookups, flush, warm-up'
            cand api 'REST API, Prometheus /metrics, OpenAPI document and the live dashboard'
            cand alerts 'Threshold alerts: evaluate rules, list, history, acknowledge, silence'
            cand health 'Health checks for people, cron and CI'
            cand status 'Terminal overview: collections, last sync, lag, webhooks, firing alerts'
            cand serve 'Everything in one process: API, dashboard, webhooks, sync loop, alert loop, pruning'
            cand completions 'Print shell completions'
            cand man 'Write man pages into a directory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vdt;init'= {
            cand --project 'Google Cloud project id'
            cand --emulator-host 'Firestore emulator host:port (plain http, no credentials)'
            cand --credentials 'Service-account JSON file'
            cand --collection 'Collection to sync, NAME[:KIND[:CURSOR_FIELD]]; KIND is traces or documents (repeatable)'
            cand --sync-frequency 'How often collections sync: 30s, 1m, 5m or any duration'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --non-interactive 'Never prompt; take everything from flags'
            cand --skip-check 'Do not test the Firestore connection'
            cand --force 'Overwrite an existing config file'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;db'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand status 'Schema version, applied and pending migrations, integrity'
            cand migrate 'Apply pending migrations (a backup is taken first when the database holds data)'
            cand backup 'Online backup of the database [default PATH: backups/ beside the database]'
            cand restore 'Replace the database with a backup, after checking the backup''s integrity'
            cand prune 'Delete what [retention] says is old enough'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vdt;db;status'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;db;migrate'= {
            cand --to 'Stop at this schema version'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;db;backup'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;db;restore'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;db;prune'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --dry-run 'Count what would go, delete nothing'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;db;help'= {
            cand status 'Schema version, applied and pending migrations, integrity'
            cand migrate 'Apply pending migrations (a backup is taken first when the database holds data)'
            cand backup 'Online backup of the database [default PATH: backups/ beside the database]'
            cand restore 'Replace the database with a backup, after checking the backup''s integrity'
            cand prune 'Delete what [retention] says is old enough'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vdt;db;help;status'= {
        }
        &'vdt;db;help;migrate'= {
        }
        &'vdt;db;help;backup'= {
        }
        &'vdt;db;help;restore'= {
        }
        &'vdt;db;help;prune'= {
        }
        &'vdt;db;help;help'= {
        }
        &'vdt;config'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand show 'Print the effective configuration, secrets redacted'
            cand validate 'Check the configuration; warnings for inline secrets and loose file modes'
            cand collections 'Manage which Firestore collections sync, and how often'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vdt;config;show'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;config;validate'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;config;collections'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List synced collections'
            cand add 'Add a collection to sync'
            cand set 'Change a collection''s frequency, enabled flag or cursor field'
            cand remove 'Stop syncing a collection (mirrored rows stay)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vdt;config;collections;list'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;config;collections;add'= {
            cand --kind 'traces (also projected into the traces table) or documents (raw only)'
            cand --frequency 'How often it syncs [default: sync.default_frequency]'
            cand --cursor-field 'Field for incremental sync [traces default: updated_at]'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;config;collections;set'= {
            cand --frequency 'frequency'
            cand --enabled 'enabled'
            cand --cursor-field 'Cursor field; an empty value clears it (full re-list each run)'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;config;collections;remove'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;config;collections;help'= {
            cand list 'List synced collections'
            cand add 'Add a collection to sync'
            cand set 'Change a collection''s frequency, enabled flag or cursor field'
            cand remove 'Stop syncing a collection (mirrored rows stay)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vdt;config;collections;help;list'= {
        }
        &'vdt;config;collections;help;add'= {
        }
        &'vdt;config;collections;help;set'= {
        }
        &'vdt;config;collections;help;remove'= {
        }
        &'vdt;config;collections;help;help'= {
        }
        &'vdt;config;help'= {
            cand show 'Print the effective configuration, secrets redacted'
            cand validate 'Check the configuration; warnings for inline secrets and loose file modes'
            cand collections 'Manage which Firestore collections sync, and how often'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vdt;config;help;show'= {
        }
        &'vdt;config;help;validate'= {
        }
        &'vdt;config;help;collections'= {
            cand list 'List synced collections'
            cand add 'Add a collection to sync'
            cand set 'Change a collection''s frequency, enabled flag or cursor field'
            cand remove 'Stop syncing a collection (mirrored rows stay)'
        }
        &'vdt;config;help;collections;list'= {
        }
        &'vdt;config;help;collections;add'= {
        }
        &'vdt;config;help;collections;set'= {
        }
        &'vdt;config;help;collections;remove'= {
        }
        &'vdt;config;help;help'= {
        }
        &'vdt;sync'= {
            cand --collection 'Only these collections (repeatable)'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --full 'Re-read everything and reconcile deletes'
            cand --watch 'Keep running, each collection at its own frequency'
            cand --dry-run 'Read from Firestore, write nothing'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;serve-webhooks'= {
            cand --bind 'Address to listen on, e.g. 127.0.0.1:8080'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;cache'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand stats 'Hits, misses, keys and memory (exit 0 with connected:false when Redis is down)'
            cand get 'Show a cached value (KEY without the prefix)'
            cand flush 'Remove vdt''s keys (only those under the prefix)'
            cand warm 'Precompute the reads the API serves most'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vdt;cache;stats'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;cache;get'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;cache;flush'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;cache;warm'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;cache;help'= {
            cand stats 'Hits, misses, keys and memory (exit 0 with connected:false when Redis is down)'
            cand get 'Show a cached value (KEY without the prefix)'
            cand flush 'Remove vdt''s keys (only those under the prefix)'
            cand warm 'Precompute the reads the API serves most'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vdt;cache;help;stats'= {
        }
        &'vdt;cache;help;get'= {
        }
        &'vdt;cache;help;flush'= {
        }
        &'vdt;cache;help;warm'= {
        }
        &'vdt;cache;help;help'= {
        }
        &'vdt;api'= {
            cand --bind 'Address to listen on, e.g. 127.0.0.1:8080'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;alerts'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand check 'Evaluate every rule once and deliver notifications'
            cand list 'Current alerts and their state'
            cand history 'Past transitions, acknowledgements, silences and notifications'
            cand ack 'Acknowledge a firing alert: mute it until it resolves'
            cand silence 'Mute a rule until a time'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vdt;alerts;check'= {
            cand --fail-on 'Exit 1 when an alert fires at or above this severity'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --dry-run 'Evaluate and report; send nothing, change no state'
            cand --watch 'Evaluate every alerts.interval'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;alerts;list'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --all 'Include resolved and inactive alerts'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;alerts;history'= {
            cand --limit 'How many events, newest first'
            cand --rule 'rule'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;alerts;ack'= {
            cand --by 'Who acknowledges [default: $USER]'
            cand --comment 'comment'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;alerts;silence'= {
            cand --for 'How long, e.g. 2h'
            cand --by 'by'
            cand --comment 'comment'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;alerts;help'= {
            cand check 'Evaluate every rule once and deliver notifications'
            cand list 'Current alerts and their state'
            cand history 'Past transitions, acknowledgements, silences and notifications'
            cand ack 'Acknowledge a firing alert: mute it until it resolves'
            cand silence 'Mute a rule until a time'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vdt;alerts;help;check'= {
        }
        &'vdt;alerts;help;list'= {
        }
        &'vdt;alerts;help;history'= {
        }
        &'vdt;alerts;help;ack'= {
        }
        &'vdt;alerts;help;silence'= {
        }
        &'vdt;alerts;help;help'= {
        }
        &'vdt;health'= {
            cand --check 'Only this check, e.g. sqlite:integrity (repeatable)'
            cand --fail-on 'Exit 1 when the overall status is at or above this'
            cand --textfile 'Also write Prometheus text for node_exporter''s textfile collector'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;status'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --watch 'Redraw every few seconds'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;serve'= {
            cand --api-bind 'API and dashboard address [default: api.bind]'
            cand --webhooks-bind 'Webhook address [default: webhooks.bind]'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;completions'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;man'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]'
            cand --db 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]'
            cand --color 'When to use colour (NO_COLOR is respected unless this says always)'
            cand --log-format 'Log format on stderr'
            cand --json 'Machine-readable JSON on stdout (people''s text and logs stay on stderr)'
            cand -v 'More log output (repeat for more)'
            cand --verbose 'More log output (repeat for more)'
            cand -q 'Less output: errors only'
            cand --quiet 'Less output: errors only'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vdt;help'= {
            cand init 'Set up vdt: connection, collections, sync frequency; writes the config and database'
            cand db 'Database: schema status, migrations, backup, restore, retention'
            cand config 'Show and check the configuration; manage synced collections'
            cand sync 'Mirror Firestore collections into SQLite (once, or --watch)'
            cand serve-webhooks 'Receive signed webhooks on POST /hooks/{source}'
            cand cache 'Redis cache: statistics, lookups, flush, warm-up'
            cand api 'REST API, Prometheus /metrics, OpenAPI document and the live dashboard'
            cand alerts 'Threshold alerts: evaluate rules, list, history, acknowledge, silence'
            cand health 'Health checks for people, cron and CI'
            cand status 'Terminal overview: collections, last sync, lag, webhooks, firing alerts'
            cand serve 'Everything in one process: API, dashboard, webhooks, sync loop, alert loop, pruning'
            cand completions 'Print shell completions'
            cand man 'Write man pages into a directory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vdt;help;init'= {
        }
        &'vdt;help;db'= {
            cand status 'Schema version, applied and pending migrations, integrity'
            cand migrate 'Apply pending migrations (a backup is taken first when the database holds data)'
            cand backup 'Online backup of the database [default PATH: backups/ beside the database]'
            cand restore 'Replace the database with a backup, after checking the backup''s integrity'
            cand prune 'Delete what [retention] says is old enough'
        }
        &'vdt;help;db;status'= {
        }
        &'vdt;help;db;migrate'= {
        }
        &'vdt;help;db;backup'= {
        }
        &'vdt;help;db;restore'= {
        }
        &'vdt;help;db;prune'= {
        }
        &'vdt;help;config'= {
            cand show 'Print the effective configuration, secrets redacted'
            cand validate 'Check the configuration; warnings for inline secrets and loose file modes'
            cand collections 'Manage which Firestore collections sync, and how often'
        }
        &'vdt;help;config;show'= {
        }
        &'vdt;help;config;validate'= {
        }
        &'vdt;help;config;collections'= {
            cand list 'List synced collections'
            cand add 'Add a collection to sync'
            cand set 'Change a collection''s frequency, enabled flag or cursor field'
            cand remove 'Stop syncing a collection (mirrored rows stay)'
        }
        &'vdt;help;config;collections;list'= {
        }
        &'vdt;help;config;collections;add'= {
        }
        &'vdt;help;config;collections;set'= {
        }
        &'vdt;help;config;collections;remove'= {
        }
        &'vdt;help;sync'= {
        }
        &'vdt;help;serve-webhooks'= {
        }
        &'vdt;help;cache'= {
            cand stats 'Hits, misses, keys and memory (exit 0 with connected:false when Redis is down)'
            cand get 'Show a cached value (KEY without the prefix)'
            cand flush 'Remove vdt''s keys (only those under the prefix)'
            cand warm 'Precompute the reads the API serves most'
        }
        &'vdt;help;cache;stats'= {
        }
        &'vdt;help;cache;get'= {
        }
        &'vdt;help;cache;flush'= {
        }
        &'vdt;help;cache;warm'= {
        }
        &'vdt;help;api'= {
        }
        &'vdt;help;alerts'= {
            cand check 'Evaluate every rule once and deliver notifications'
            cand list 'Current alerts and their state'
            cand history 'Past transitions, acknowledgements, silences and notifications'
            cand ack 'Acknowledge a firing alert: mute it until it resolves'
            cand silence 'Mute a rule until a time'
        }
        &'vdt;help;alerts;check'= {
        }
        &'vdt;help;alerts;list'= {
        }
        &'vdt;help;alerts;history'= {
        }
        &'vdt;help;alerts;ack'= {
        }
        &'vdt;help;alerts;silence'= {
        }
        &'vdt;help;health'= {
        }
        &'vdt;help;status'= {
        }
        &'vdt;help;serve'= {
        }
        &'vdt;help;completions'= {
        }
        &'vdt;help;man'= {
        }
        &'vdt;help;help'= {
        }
    ]
    $completions[$command]
}
