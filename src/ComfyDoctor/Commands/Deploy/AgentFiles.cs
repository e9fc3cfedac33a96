using System.Text;

namespace ComfyDoctor.Cli.Commands.Deploy;

/// <summary>
/// The text of the files <c>agent install</c> writes: the environment file (read by systemd and by the wrapper), the
/// systemd unit and the supervisor-free wrapper of <c>--no-systemd</c>. Pure: the same plan gives the same bytes, which is
/// how a second install knows it has nothing to change.
/// </summary>
public static class AgentFiles
{
    /// <summary>
    /// <c>KEY='value'</c> lines, read alike by systemd's EnvironmentFile= and by <c>sh</c>. A value with a quote, a backslash or a
    /// control character cannot be written so that both read it the same, and is refused.
    /// </summary>
    public static string EnvFile(IEnumerable<KeyValuePair<string, string>> settings)
    {
        var text = new StringBuilder(
            "# Written by `comfydoctor agent install`; rewritten by the next install. Mode 0600: it may hold " + "the enroll token.\n"
        );
        foreach (var (key, value) in settings)
        {
            if (value.Any(c => c is '\'' or '"' or '\\' or '$' or '`' || char.IsControl(c)))
            {
                throw new UsageException(
                    $"{key}: '{value}' has a quote, backslash, $, ` or control character, which an environment file "
                        + $"cannot carry safely"
                );
            }

            text.Append(key).Append("='").Append(value).Append("'\n");
        }

        return text.ToString();
    }

    /// <summary>The unit: restarted always, no new privileges, the whole file system read-only but the folders the agent writes.</summary>
    public static string Unit(AgentInstallPlan plan)
    {
        var layout = plan.Layout;
        string[] writable = [plan.ComfyUi, layout.StateDir, layout.CacheDir, .. plan.Writable];
        return $"""
            # Written by `comfydoctor agent install`; rewritten by the next install.
            [Unit]
            Description=ComfyDoctor agent (model, node and runtime health of this ComfyUI worker)
            After=network-online.target
            Wants=network-online.target

            [Service]
            Type=simple
            User={plan.User}
            EnvironmentFile={layout.EnvFile}
            Environment=DOTNET_BUNDLE_EXTRACT_BASE_DIR={layout.CacheDir}
            Environment=XDG_CACHE_HOME={layout.CacheDir}
            Environment=PIP_CACHE_DIR={Path.Combine(layout.CacheDir, "pip")}
            ExecStart={layout.Executable} agent
            Restart=always
            RestartSec=5
            TimeoutStopSec=30
            NoNewPrivileges=yes
            ProtectSystem=strict
            ReadWritePaths={string.Join(' ', writable.Distinct(StringComparer.Ordinal))}
            PrivateTmp=yes
            ProtectKernelTunables=yes
            ProtectKernelModules=yes
            ProtectControlGroups=yes
            RestrictSUIDSGID=yes
            LockPersonality=yes

            [Install]
            WantedBy=multi-user.target

            """.Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    /// <summary>
    /// <c>--no-systemd</c>: start | stop | restart | status with a pid file. Nothing restarts the agent if it stops: the
    /// installer says so, and the fleet page shows the worker offline.
    /// </summary>
    public static string Wrapper(InstallLayout layout) =>
        $$"""
            #!/bin/sh
            # Written by `comfydoctor agent install --no-systemd`: the ComfyDoctor agent without a supervisor.
            # Nothing restarts the agent if it stops. Usage: {{layout.Wrapper}} start|stop|restart|status
            set -eu
            pidfile='{{layout.PidFile}}'
            running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
            case "${1:-start}" in
              start)
                if running; then echo "running (pid $(cat "$pidfile"))"; exit 0; fi
                for v in $(env | sed -n 's/^\(COMFYDOCTOR_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
                set -a; . '{{layout.EnvFile}}'; set +a
                export DOTNET_BUNDLE_EXTRACT_BASE_DIR='{{layout.CacheDir}}'
                if command -v setsid >/dev/null 2>&1; then detach=setsid; else detach=; fi
                $detach nohup '{{layout.Executable}}' agent >>'{{layout.LogFile}}' 2>&1 </dev/null &
                echo $! >"$pidfile"
                echo "started (pid $!)" ;;
              stop)
                if running; then
                  pid=$(cat "$pidfile"); kill "$pid"
                  i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
                  if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
                fi
                rm -f "$pidfile"; echo stopped ;;
              restart) "$0" stop; "$0" start ;;
              status) if running; then echo "running (pid $(cat "$pidfile"))"; else echo stopped; exit 3; fi ;;
              *) echo "usage: $0 start|stop|restart|status" >&2; exit 2 ;;
            esac

            """.Replace("\r\n", "\n", StringComparison.Ordinal);
}
