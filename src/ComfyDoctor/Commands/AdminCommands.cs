using System.CommandLine;

namespace ComfyDoctor.Cli.Commands;

/// <summary>The admin commands that talk to a server's API (each in its own file; <see cref="AdminClient"/> is what they share).</summary>
public static class AdminCommands
{
    public static IEnumerable<Command> Create() =>
        [
            ScanCommand.Create(),
            ReportCommand.Create(),
            WorkersCommand.Create(),
            CompareCommand.Create(),
            RegistryCommand.Create(),
            WorkflowsCommand.Create(),
            ScheduleCommand.Create(),
            AuditCommand.Create(),
            RepairCommand.Create(),
            RepairCommand.CreateSyncModels(),
            RepairCommand.CreateQuarantine(),
            GraphCommand.Create(),
            OrphansCommand.Create(),
            CatalogCommand.Create(),
            NodeTypesCommand.Create(),
            SnapshotCommand.Create(),
        ];
}
