using System.CommandLine;
using ComfyDoctor.Cli.Output;

namespace ComfyDoctor.Cli.Commands;

/// <summary><c>comfydoctor workers</c>: every enrolled worker with the lights of its latest scan.</summary>
public static class WorkersCommand
{
    public static Command Create() =>
        AdminClient.Command(
            "workers",
            "List the workers and their lights",
            [],
            (http, _, ct) => http.GetAsync("admin/workers", ct),
            (console, answer, _) =>
            {
                FleetTables.Workers(console, answer);
                return CommandLine.ExitOk;
            }
        );
}
