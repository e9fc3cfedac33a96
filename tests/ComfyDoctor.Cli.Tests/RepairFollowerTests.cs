using System.Text.Json;
using ComfyDoctor.Cli.Output;
using Spectre.Console;

namespace ComfyDoctor.Cli.Tests;

/// <summary>
/// How `comfydoctor repair` ends a repair whose worker was never scanned: the repair holds that worker's scan first and,
/// when the scan found something, its repair job. Exit 0 only when every job is done and every repair job left nothing open.
/// </summary>
public sealed class RepairFollowerTests
{
    private const string ScanDone = """{"worker":"gpu-01","kind":"scan","status":"done"}""";
    private const string ScanFailed = """{"worker":"gpu-01","kind":"scan","status":"failed","error":"the disk went away"}""";
    private const string RepairFixed = """
        {"worker":"gpu-01","kind":"repair","status":"done",
         "result":{"fixed":["loras/a.safetensors"],"stillOpen":[],"outcome":{"actions":[]}}}
        """;
    private const string RepairOpen = """
        {"worker":"gpu-01","kind":"repair","status":"done",
         "result":{"fixed":[],"stillOpen":[{"code":"model.corrupt"}],"outcome":{"actions":[]}}}
        """;

    [Theory]
    [InlineData(new[] { ScanDone, RepairFixed }, true)] // scanned first, then repaired
    [InlineData(new[] { ScanDone }, true)] // scanned first: nothing to repair
    [InlineData(new[] { ScanFailed }, false)] // the scan it waited for failed: nothing was repaired
    [InlineData(new[] { ScanDone, RepairOpen }, false)]
    [InlineData(new[] { RepairFixed }, true)]
    public void A_repair_is_all_fixed_only_when_its_scans_are_done_and_its_repairs_left_nothing_open(string[] jobs, bool expected) =>
        Assert.Equal(expected, RepairFollower.AllFixed(Jobs(jobs)));

    [Fact]
    public void The_summary_names_the_scan_first_step()
    {
        using var text = new StringWriter();
        var plain = AnsiConsole.Create(
            new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(text),
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
            }
        );
        RepairFollower.Summarise(plain, Jobs([ScanFailed]));
        Assert.Contains("gpu-01: scan first failed — the disk went away", text.ToString(), StringComparison.Ordinal);
    }

    private static JsonElement Jobs(string[] jobs) => JsonDocument.Parse("[" + string.Join(",", jobs) + "]").RootElement;
}
