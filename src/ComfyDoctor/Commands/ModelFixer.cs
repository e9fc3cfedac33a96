using ComfyDoctor.Agent.Transfers;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Registry;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Cli.Commands;

/// <summary>Turns model findings into repairs: every registry model that is missing, corrupted or broken gets a verified copy.</summary>
public static class ModelFixer
{
    private static readonly HashSet<string> Fixable = new(StringComparer.Ordinal)
    {
        FindingCodes.ModelMissing, FindingCodes.ModelCorrupted, FindingCodes.ModelInvalid, FindingCodes.ModelUnhashed,
    };

    public static IReadOnlyList<RegistryEntry> Entries(WorkerReport report, ModelRegistry registry) =>
        report.Findings
            .Where(f => Fixable.Contains(f.Code))
            .Select(f => registry.Find(f.Subject))
            .OfType<RegistryEntry>()
            .DistinctBy(e => e.Identity)
            .ToList();

    public static async Task<IReadOnlyList<ModelFixResult>> RunAsync(IReadOnlyList<RegistryEntry> entries, WorkerReport report, string comfyRoot,
        IReadOnlyList<Uri> mirrors, int quarantineDays, bool dryRun, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var quarantine = new Quarantine(Path.Combine(comfyRoot, ".comfydoctor", "quarantine"), TimeSpan.FromDays(quarantineDays));
        var repairer = new ModelRepairer(new VerifiedDownloader(http, TimeSpan.FromSeconds(60)), quarantine, mirrors);
        var results = new List<ModelFixResult>();
        foreach (var entry in entries)
        {
            results.Add(await repairer.RepairAsync(entry, report.Inventory, dryRun, null, ct));
        }

        if (!dryRun)
        {
            quarantine.Purge();
        }

        return results;
    }
}
