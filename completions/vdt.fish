# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_vdt_global_optspecs
    string join \n config= db= json v/verbose q/quiet color= log-format= h/help V/version
end

function __fish_vdt_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_vdt_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_vdt_using_subcommand
    set -l cmd (__fish_vdt_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c vdt -n "__fish_vdt_needs_command" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_needs_command" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_needs_command" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_needs_command" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_needs_command" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_needs_command" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_needs_command" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_needs_command" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_needs_command" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_needs_command" -f -a "init" -d 'Set up vdt: connection, collections, sync frequency; writes the config and database'
complete -c vdt -n "__fish_vdt_needs_command" -f -a "db" -d 'Database: schema status, migrations, backup, restore, retention'
complete -c vdt -n "__fish_vdt_needs_command" -f -a "config" -d 'Show and check the configuration; manage synced collections'
complete -c vdt -n "__fish_vdt_needs_command" -f -a "sync" -d 'Mirror Firestore collections into SQLite (once, or --watch)'
complete -c vdt -n "__fish_vdt_needs_command" -f -a "serve-webhooks" -d 'Receive signed webhooks on POST /hooks/{source}'
complete -c vdt -n "__fish_vdt_needs_command" -f -a "cache" -d 'Redis cache: statistics, lookups, flush, warm-up'
complete -c vdt -n "__fish_vdt_needs_command" -f -a "api" -d 'REST API, Prometheus /metrics, OpenAPI document and the live dashboard'
complete -c vdt -n "__fish_vdt_needs_command" -f -a "alerts" -d 'Threshold alerts: evaluate rules, list, history, acknowledge, silence'
complete -c vdt -n "__fish_vdt_needs_command" -f -a "health" -d 'Health checks for people, cron and CI'
complete -c vdt -n "__fish_vdt_needs_command" -f -a "status" -d 'Terminal overview: collections, last sync, lag, webhooks, firing alerts'
complete -c vdt -n "__fish_vdt_needs_command" -f -a "serve" -d 'Everything in one process: API, dashboard, webhooks, sync loop, alert loop, pruning'
complete -c vdt -n "__fish_vdt_needs_command" -f -a "completions" -d 'Print shell completions'
complete -c vdt -n "__fish_vdt_needs_command" -f -a "man" -d 'Write man pages into a directory'
complete -c vdt -n "__fish_vdt_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vdt -n "__fish_vdt_using_subcommand init" -l project -d 'Google Cloud project id' -r
complete -c vdt -n "__fish_vdt_using_subcommand init" -l emulator-host -d 'Firestore emulator host:port (plain http, no credentials)' -r
complete -c vdt -n "__fish_vdt_using_subcommand init" -l credentials -d 'Service-account JSON file' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand init" -l collection -d 'Collection to sync, NAME[:KIND[:CURSOR_FIELD]]; KIND is traces or documents (repeatable)' -r
complete -c vdt -n "__fish_vdt_using_subcommand init" -l sync-frequency -d 'How often collections sync: 30s, 1m, 5m or any duration' -r
complete -c vdt -n "__fish_vdt_using_subcommand init" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand init" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand init" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand init" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand init" -l non-interactive -d 'Never prompt; take everything from flags'
complete -c vdt -n "__fish_vdt_using_subcommand init" -l skip-check -d 'Do not test the Firestore connection'
complete -c vdt -n "__fish_vdt_using_subcommand init" -l force -d 'Overwrite an existing config file'
complete -c vdt -n "__fish_vdt_using_subcommand init" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand init" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand init" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand init" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand init" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup restore prune help" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup restore prune help" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup restore prune help" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup restore prune help" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup restore prune help" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup restore prune help" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup restore prune help" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup restore prune help" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup restore prune help" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup restore prune help" -f -a "status" -d 'Schema version, applied and pending migrations, integrity'
complete -c vdt -n "__fish_vdt_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup restore prune help" -f -a "migrate" -d 'Apply pending migrations (a backup is taken first when the database holds data)'
complete -c vdt -n "__fish_vdt_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup restore prune help" -f -a "backup" -d 'Online backup of the database [default PATH: backups/ beside the database]'
complete -c vdt -n "__fish_vdt_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup restore prune help" -f -a "restore" -d 'Replace the database with a backup, after checking the backup\'s integrity'
complete -c vdt -n "__fish_vdt_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup restore prune help" -f -a "prune" -d 'Delete what [retention] says is old enough'
complete -c vdt -n "__fish_vdt_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup restore prune help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from status" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from status" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from status" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from status" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from status" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from migrate" -l to -d 'Stop at this schema version' -r
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from migrate" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from migrate" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from migrate" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from migrate" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from migrate" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from migrate" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from migrate" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from migrate" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from migrate" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from backup" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from backup" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from backup" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from backup" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from backup" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from backup" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from backup" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from backup" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from backup" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from restore" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from restore" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from restore" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from restore" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from restore" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from restore" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from restore" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from restore" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from restore" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from prune" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from prune" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from prune" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from prune" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from prune" -l dry-run -d 'Count what would go, delete nothing'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from prune" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from prune" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from prune" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from prune" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "status" -d 'Schema version, applied and pending migrations, integrity'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "migrate" -d 'Apply pending migrations (a backup is taken first when the database holds data)'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "backup" -d 'Online backup of the database [default PATH: backups/ beside the database]'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "restore" -d 'Replace the database with a backup, after checking the backup\'s integrity'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Delete what [retention] says is old enough'
complete -c vdt -n "__fish_vdt_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vdt -n "__fish_vdt_using_subcommand config; and not __fish_seen_subcommand_from show validate collections help" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand config; and not __fish_seen_subcommand_from show validate collections help" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand config; and not __fish_seen_subcommand_from show validate collections help" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand config; and not __fish_seen_subcommand_from show validate collections help" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand config; and not __fish_seen_subcommand_from show validate collections help" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand config; and not __fish_seen_subcommand_from show validate collections help" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand config; and not __fish_seen_subcommand_from show validate collections help" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand config; and not __fish_seen_subcommand_from show validate collections help" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand config; and not __fish_seen_subcommand_from show validate collections help" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand config; and not __fish_seen_subcommand_from show validate collections help" -f -a "show" -d 'Print the effective configuration, secrets redacted'
complete -c vdt -n "__fish_vdt_using_subcommand config; and not __fish_seen_subcommand_from show validate collections help" -f -a "validate" -d 'Check the configuration; warnings for inline secrets and loose file modes'
complete -c vdt -n "__fish_vdt_using_subcommand config; and not __fish_seen_subcommand_from show validate collections help" -f -a "collections" -d 'Manage which Firestore collections sync, and how often'
complete -c vdt -n "__fish_vdt_using_subcommand config; and not __fish_seen_subcommand_from show validate collections help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from show" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from show" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from show" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from show" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from show" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from validate" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from validate" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from validate" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from validate" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from validate" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from validate" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from validate" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from validate" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from validate" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from collections" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from collections" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from collections" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from collections" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from collections" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from collections" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from collections" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from collections" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from collections" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from collections" -f -a "list" -d 'List synced collections'
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from collections" -f -a "add" -d 'Add a collection to sync'
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from collections" -f -a "set" -d 'Change a collection\'s frequency, enabled flag or cursor field'
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from collections" -f -a "remove" -d 'Stop syncing a collection (mirrored rows stay)'
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from collections" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the effective configuration, secrets redacted'
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "validate" -d 'Check the configuration; warnings for inline secrets and loose file modes'
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "collections" -d 'Manage which Firestore collections sync, and how often'
complete -c vdt -n "__fish_vdt_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vdt -n "__fish_vdt_using_subcommand sync" -l collection -d 'Only these collections (repeatable)' -r
complete -c vdt -n "__fish_vdt_using_subcommand sync" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand sync" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand sync" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand sync" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand sync" -l full -d 'Re-read everything and reconcile deletes'
complete -c vdt -n "__fish_vdt_using_subcommand sync" -l watch -d 'Keep running, each collection at its own frequency'
complete -c vdt -n "__fish_vdt_using_subcommand sync" -l dry-run -d 'Read from Firestore, write nothing'
complete -c vdt -n "__fish_vdt_using_subcommand sync" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand sync" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand sync" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand sync" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand sync" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand serve-webhooks" -l bind -d 'Address to listen on, e.g. 127.0.0.1:8080' -r
complete -c vdt -n "__fish_vdt_using_subcommand serve-webhooks" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand serve-webhooks" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand serve-webhooks" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand serve-webhooks" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand serve-webhooks" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand serve-webhooks" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand serve-webhooks" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand serve-webhooks" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand serve-webhooks" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and not __fish_seen_subcommand_from stats get flush warm help" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand cache; and not __fish_seen_subcommand_from stats get flush warm help" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand cache; and not __fish_seen_subcommand_from stats get flush warm help" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand cache; and not __fish_seen_subcommand_from stats get flush warm help" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand cache; and not __fish_seen_subcommand_from stats get flush warm help" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and not __fish_seen_subcommand_from stats get flush warm help" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and not __fish_seen_subcommand_from stats get flush warm help" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and not __fish_seen_subcommand_from stats get flush warm help" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and not __fish_seen_subcommand_from stats get flush warm help" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and not __fish_seen_subcommand_from stats get flush warm help" -f -a "stats" -d 'Hits, misses, keys and memory (exit 0 with connected:false when Redis is down)'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and not __fish_seen_subcommand_from stats get flush warm help" -f -a "get" -d 'Show a cached value (KEY without the prefix)'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and not __fish_seen_subcommand_from stats get flush warm help" -f -a "flush" -d 'Remove vdt\'s keys (only those under the prefix)'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and not __fish_seen_subcommand_from stats get flush warm help" -f -a "warm" -d 'Precompute the reads the API serves most'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and not __fish_seen_subcommand_from stats get flush warm help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from stats" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from stats" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from stats" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from stats" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from stats" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from stats" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from stats" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from stats" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from stats" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from get" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from get" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from get" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from get" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from get" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from get" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from get" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from get" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from get" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from flush" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from flush" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from flush" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from flush" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from flush" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from flush" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from flush" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from flush" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from flush" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from warm" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from warm" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from warm" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from warm" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from warm" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from warm" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from warm" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from warm" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from warm" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "stats" -d 'Hits, misses, keys and memory (exit 0 with connected:false when Redis is down)'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "get" -d 'Show a cached value (KEY without the prefix)'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "flush" -d 'Remove vdt\'s keys (only those under the prefix)'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "warm" -d 'Precompute the reads the API serves most'
complete -c vdt -n "__fish_vdt_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vdt -n "__fish_vdt_using_subcommand api" -l bind -d 'Address to listen on, e.g. 127.0.0.1:8080' -r
complete -c vdt -n "__fish_vdt_using_subcommand api" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand api" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand api" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand api" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand api" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand api" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand api" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand api" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand api" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and not __fish_seen_subcommand_from check list history ack silence help" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and not __fish_seen_subcommand_from check list history ack silence help" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and not __fish_seen_subcommand_from check list history ack silence help" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and not __fish_seen_subcommand_from check list history ack silence help" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and not __fish_seen_subcommand_from check list history ack silence help" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and not __fish_seen_subcommand_from check list history ack silence help" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and not __fish_seen_subcommand_from check list history ack silence help" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and not __fish_seen_subcommand_from check list history ack silence help" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and not __fish_seen_subcommand_from check list history ack silence help" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and not __fish_seen_subcommand_from check list history ack silence help" -f -a "check" -d 'Evaluate every rule once and deliver notifications'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and not __fish_seen_subcommand_from check list history ack silence help" -f -a "list" -d 'Current alerts and their state'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and not __fish_seen_subcommand_from check list history ack silence help" -f -a "history" -d 'Past transitions, acknowledgements, silences and notifications'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and not __fish_seen_subcommand_from check list history ack silence help" -f -a "ack" -d 'Acknowledge a firing alert: mute it until it resolves'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and not __fish_seen_subcommand_from check list history ack silence help" -f -a "silence" -d 'Mute a rule until a time'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and not __fish_seen_subcommand_from check list history ack silence help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from check" -l fail-on -d 'Exit 1 when an alert fires at or above this severity' -r -f -a "warning\t''
critical\t''"
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from check" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from check" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from check" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from check" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from check" -l dry-run -d 'Evaluate and report; send nothing, change no state'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from check" -l watch -d 'Evaluate every alerts.interval'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from check" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from check" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from list" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from list" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from list" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from list" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from list" -l all -d 'Include resolved and inactive alerts'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from list" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from history" -l limit -d 'How many events, newest first' -r
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from history" -l rule -r
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from history" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from history" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from history" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from history" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from history" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from history" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from history" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from history" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from history" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from ack" -l by -d 'Who acknowledges [default: $USER]' -r
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from ack" -l comment -r
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from ack" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from ack" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from ack" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from ack" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from ack" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from ack" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from ack" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from ack" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from ack" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from silence" -l for -d 'How long, e.g. 2h' -r
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from silence" -l by -r
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from silence" -l comment -r
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from silence" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from silence" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from silence" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from silence" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from silence" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from silence" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from silence" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from silence" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from silence" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from help" -f -a "check" -d 'Evaluate every rule once and deliver notifications'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from help" -f -a "list" -d 'Current alerts and their state'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from help" -f -a "history" -d 'Past transitions, acknowledgements, silences and notifications'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from help" -f -a "ack" -d 'Acknowledge a firing alert: mute it until it resolves'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from help" -f -a "silence" -d 'Mute a rule until a time'
complete -c vdt -n "__fish_vdt_using_subcommand alerts; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vdt -n "__fish_vdt_using_subcommand health" -l check -d 'Only this check, e.g. sqlite:integrity (repeatable)' -r
complete -c vdt -n "__fish_vdt_using_subcommand health" -l fail-on -d 'Exit 1 when the overall status is at or above this' -r -f -a "warn\t''
fail\t''"
complete -c vdt -n "__fish_vdt_using_subcommand health" -l textfile -d 'Also write Prometheus text for node_exporter\'s textfile collector' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand health" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand health" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand health" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand health" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand health" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand health" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand health" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand health" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand health" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand status" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand status" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand status" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand status" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand status" -l watch -d 'Redraw every few seconds'
complete -c vdt -n "__fish_vdt_using_subcommand status" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand status" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand status" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand status" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand status" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand serve" -l api-bind -d 'API and dashboard address [default: api.bind]' -r
complete -c vdt -n "__fish_vdt_using_subcommand serve" -l webhooks-bind -d 'Webhook address [default: webhooks.bind]' -r
complete -c vdt -n "__fish_vdt_using_subcommand serve" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand serve" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand serve" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand serve" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand serve" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand serve" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand serve" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand serve" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand serve" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand completions" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand completions" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand completions" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand completions" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand completions" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand completions" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand completions" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand completions" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand completions" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand man" -l config -d 'Config file [default: $XDG_CONFIG_HOME/vdt/config.toml]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand man" -l db -d 'SQLite database [default: $XDG_DATA_HOME/vdt/vdt.sqlite3]' -r -F
complete -c vdt -n "__fish_vdt_using_subcommand man" -l color -d 'When to use colour (NO_COLOR is respected unless this says always)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vdt -n "__fish_vdt_using_subcommand man" -l log-format -d 'Log format on stderr' -r -f -a "text\t''
json\t''"
complete -c vdt -n "__fish_vdt_using_subcommand man" -l json -d 'Machine-readable JSON on stdout (people\'s text and logs stay on stderr)'
complete -c vdt -n "__fish_vdt_using_subcommand man" -s v -l verbose -d 'More log output (repeat for more)'
complete -c vdt -n "__fish_vdt_using_subcommand man" -s q -l quiet -d 'Less output: errors only'
complete -c vdt -n "__fish_vdt_using_subcommand man" -s h -l help -d 'Print help'
complete -c vdt -n "__fish_vdt_using_subcommand man" -s V -l version -d 'Print version'
complete -c vdt -n "__fish_vdt_using_subcommand help; and not __fish_seen_subcommand_from init db config sync serve-webhooks cache api alerts health status serve completions man help" -f -a "init" -d 'Set up vdt: connection, collections, sync frequency; writes the config and database'
complete -c vdt -n "__fish_vdt_using_subcommand help; and not __fish_seen_subcommand_from init db config sync serve-webhooks cache api alerts health status serve completions man help" -f -a "db" -d 'Database: schema status, migrations, backup, restore, retention'
complete -c vdt -n "__fish_vdt_using_subcommand help; and not __fish_seen_subcommand_from init db config sync serve-webhooks cache api alerts health status serve completions man help" -f -a "config" -d 'Show and check the configuration; manage synced collections'
complete -c vdt -n "__fish_vdt_using_subcommand help; and not __fish_seen_subcommand_from init db config sync serve-webhooks cache api alerts health status serve completions man help" -f -a "sync" -d 'Mirror Firestore collections into SQLite (once, or --watch)'
complete -c vdt -n "__fish_vdt_using_subcommand help; and not __fish_seen_subcommand_from init db config sync serve-webhooks cache api alerts health status serve completions man help" -f -a "serve-webhooks" -d 'Receive signed webhooks on POST /hooks/{source}'
complete -c vdt -n "__fish_vdt_using_subcommand help; and not __fish_seen_subcommand_from init db config sync serve-webhooks cache api alerts health status serve completions man help" -f -a "cache" -d 'Redis cache: statistics, lookups, flush, warm-up'
complete -c vdt -n "__fish_vdt_using_subcommand help; and not __fish_seen_subcommand_from init db config sync serve-webhooks cache api alerts health status serve completions man help" -f -a "api" -d 'REST API, Prometheus /metrics, OpenAPI document and the live dashboard'
complete -c vdt -n "__fish_vdt_using_subcommand help; and not __fish_seen_subcommand_from init db config sync serve-webhooks cache api alerts health status serve completions man help" -f -a "alerts" -d 'Threshold alerts: evaluate rules, list, history, acknowledge, silence'
complete -c vdt -n "__fish_vdt_using_subcommand help; and not __fish_seen_subcommand_from init db config sync serve-webhooks cache api alerts health status serve completions man help" -f -a "health" -d 'Health checks for people, cron and CI'
complete -c vdt -n "__fish_vdt_using_subcommand help; and not __fish_seen_subcommand_from init db config sync serve-webhooks cache api alerts health status serve completions man help" -f -a "status" -d 'Terminal overview: collections, last sync, lag, webhooks, firing alerts'
complete -c vdt -n "__fish_vdt_using_subcommand help; and not __fish_seen_subcommand_from init db config sync serve-webhooks cache api alerts health status serve completions man help" -f -a "serve" -d 'Everything in one process: API, dashboard, webhooks, sync loop, alert loop, pruning'
complete -c vdt -n "__fish_vdt_using_subcommand help; and not __fish_seen_subcommand_from init db config sync serve-webhooks cache api alerts health status serve completions man help" -f -a "completions" -d 'Print shell completions'
complete -c vdt -n "__fish_vdt_using_subcommand help; and not __fish_seen_subcommand_from init db config sync serve-webhooks cache api alerts health status serve completions man help" -f -a "man" -d 'Write man pages into a directory'
complete -c vdt -n "__fish_vdt_using_subcommand help; and not __fish_seen_subcommand_from init db config sync serve-webhooks cache api alerts health status serve completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vdt -n "__fish_vdt_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "status" -d 'Schema version, applied and pending migrations, integrity'
complete -c vdt -n "__fish_vdt_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "migrate" -d 'Apply pending migrations (a backup is taken first when the database holds data)'
complete -c vdt -n "__fish_vdt_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "backup" -d 'Online backup of the database [default PATH: backups/ beside the database]'
complete -c vdt -n "__fish_vdt_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "restore" -d 'Replace the database with a backup, after checking the backup\'s integrity'
complete -c vdt -n "__fish_vdt_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "prune" -d 'Delete what [retention] says is old enough'
complete -c vdt -n "__fish_vdt_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print the effective configuration, secrets redacted'
complete -c vdt -n "__fish_vdt_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "validate" -d 'Check the configuration; warnings for inline secrets and loose file modes'
complete -c vdt -n "__fish_vdt_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "collections" -d 'Manage which Firestore collections sync, and how often'
complete -c vdt -n "__fish_vdt_using_subcommand help; and __fish_seen_subcommand_from cache" -f -a "stats" -d 'Hits, misses, keys and memory (exit 0 with connected:false when Redis is down)'
complete -c vdt -n "__fish_vdt_using_subcommand help; and __fish_seen_subcommand_from cache" -f -a "get" -d 'Show a cached value (KEY without the prefix)'
complete -c vdt -n "__fish_vdt_using_subcommand help; and __fish_seen_subcommand_from cache" -f -a "flush" -d 'Remove vdt\'s keys (only those under the prefix)'
complete -c vdt -n "__fish_vdt_using_subcommand help; and __fish_seen_subcommand_from cache" -f -a "warm" -d 'Precompute the reads the API serves most'
complete -c vdt -n "__fish_vdt_using_subcommand help; and __fish_seen_subcommand_from alerts" -f -a "check" -d 'Evaluate every rule once and deliver notifications'
complete -c vdt -n "__fish_vdt_using_subcommand help; and __fish_seen_subcommand_from alerts" -f -a "list" -d 'Current alerts and their state'
complete -c vdt -n "__fish_vdt_using_subcommand help; and __fish_seen_subcommand_from alerts" -f -a "history" -d 'Past transitions, acknowledgements, silences and notifications'
complete -c vdt -n "__fish_vdt_using_subcommand help; and __fish_seen_subcommand_from alerts" -f -a "ack" -d 'Acknowledge a firing alert: mute it until it resolves'
complete -c vdt -n "__fish_vdt_using_subcommand help; and __fish_seen_subcommand_from alerts" -f -a "silence" -d 'Mute a rule until a time'
