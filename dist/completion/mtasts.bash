# bash completion for mtasts(1): commands, subcommands, options and their values.
# Installed to /usr/share/bash-completion/completions/mtasts.

_mtasts()
{
    local cur prev words cword
    _init_completion || return

    local commands="policy record report check resolver codes tour help"
    local command="" sub="" i
    for ((i = 1; i < cword; i++)); do
        case "${words[i]}" in
            -*) ;;
            *)
                if [[ -z $command ]]; then
                    command=${words[i]}
                elif [[ -z $sub ]]; then
                    sub=${words[i]}
                fi
                ;;
        esac
    done

    case "$prev" in
        --profile) COMPREPLY=($(compgen -W "strict compatible" -- "$cur")); return ;;
        --mode) COMPREPLY=($(compgen -W "testing enforce none" -- "$cur")); return ;;
        --log-level) COMPREPLY=($(compgen -W "error warn info debug trace off" -- "$cur")); return ;;
        --config | --file | --trust-anchor | --ca-file | --admin-token-file)
            _filedir; return ;;
        --max-age | --domain | --mx | --rua | --id | --dns-server | --timeout | --concurrency | \
            --listen | --cache | --admin-listen | --admin | --map)
            return ;;
    esac

    local options=""
    case "$command" in
        "") COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur")); return ;;
        help) COMPREPLY=($(compgen -W "$commands" -- "$cur")); return ;;
        policy)
            case "$sub" in
                "") COMPREPLY=($(compgen -W "lint new match" -- "$cur")); return ;;
                lint) options="--profile --json --help" ;;
                new) options="--mx --mode --max-age --domain --rua --id --policy-only --json --help" ;;
                match) options="--profile --json --help" ;;
            esac
            ;;
        record)
            [[ -z $sub ]] && { COMPREPLY=($(compgen -W "sts tlsrpt" -- "$cur")); return; }
            options="--profile --json --help"
            ;;
        report)
            [[ -z $sub ]] && { COMPREPLY=($(compgen -W "show validate" -- "$cur")); return; }
            options="--profile --json --help"
            ;;
        check)
            options="--json --dns-server --trust-anchor --ca-file --timeout --no-smtp --concurrency --file --help"
            ;;
        resolver)
            local common="--config --dns-server --trust-anchor --ca-file --admin-token-file --help"
            case "$sub" in
                query) options="$common --map --admin --direct --json" ;;
                flush) options="$common --all --admin --json" ;;
                *)
                    if [[ $cur != -* ]]; then
                        COMPREPLY=($(compgen -W "query flush" -- "$cur"))
                        return
                    fi
                    options="$common --listen --cache --admin-listen --log-level --check-config"
                    ;;
            esac
            ;;
        codes) options="--json --markdown --help" ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$options" -- "$cur"))
    else
        _filedir
    fi
} &&
    complete -F _mtasts mtasts
