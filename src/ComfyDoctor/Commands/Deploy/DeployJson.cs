using System.Text.Json;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Cli.Commands.Deploy;

/// <summary>The project's JSON dialect on one line: one object per host, and the line <c>agent install --json</c> hands back over
/// SSH.</summary>
public static class DeployJson
{
    public static JsonSerializerOptions Options { get; } = new(ReportJson.Options) { WriteIndented = false };
}
