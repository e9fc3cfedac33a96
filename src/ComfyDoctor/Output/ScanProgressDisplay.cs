using ComfyDoctor.Agent.Scanning;
using Spectre.Console;

namespace ComfyDoctor.Cli.Output;

/// <summary>Bytes, rate and ETA while models are hashed, on an interactive terminal only.</summary>
public static class ScanProgressDisplay
{
    public static bool IsWanted(bool json, IAnsiConsole console) =>
        !json && !Terminal.IsRedirected && console.Profile.Capabilities.Interactive;

    public static async Task<T> RunAsync<T>(IAnsiConsole console, Func<IProgress<ScanProgress>, Task<T>> work)
    {
        T result = default!;
        await console
            .Progress()
            .AutoClear(true)
            .Columns(
                new TaskDescriptionColumn(),
                new ProgressBarColumn(),
                new PercentageColumn(),
                new DownloadedColumn(),
                new TransferSpeedColumn(),
                new RemainingTimeColumn(),
                new SpinnerColumn()
            )
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("Hashing models", maxValue: 1);
                var progress = new Progress<ScanProgress>(p =>
                {
                    task.MaxValue = Math.Max(1, p.BytesToHash);
                    task.Value = Math.Max(0, p.BytesToHash - (p.BytesTotal - p.BytesDone));
                    task.Description = $"Hashing models {p.FilesDone}/{p.FilesTotal}";
                });
                result = await work(progress);
                task.Value = task.MaxValue;
            });
        return result;
    }
}
