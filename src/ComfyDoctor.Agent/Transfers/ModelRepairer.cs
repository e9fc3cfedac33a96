using ComfyDoctor.Agent.Models;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Models;
using ComfyDoctor.Core.Registry;

namespace ComfyDoctor.Agent.Transfers;

public enum ModelFixOutcome
{
    Repaired,
    Failed,
    Planned,
}

/// <summary>What happened to one model: from which source, or why every source failed.</summary>
public sealed record ModelFixResult(string Identity, ModelFixOutcome Outcome, string? Source, string? Destination, string Message,
    IReadOnlyList<string> Attempts);

/// <summary>
/// Puts verified copies of registry models in place: the file ComfyUI would load when one exists, else the first root of
/// the identity's folder key. Sources in order: the registry entry's URLs, then each mirror (an HTTP base URL or a
/// folder) with the identity appended. The first source that yields the registry's hash wins.
/// </summary>
public sealed class ModelRepairer(VerifiedDownloader downloader, Quarantine quarantine, IReadOnlyList<Uri> mirrors)
{
    public async Task<ModelFixResult> RepairAsync(RegistryEntry entry, WorkerInventory inventory, bool dryRun,
        IProgress<TransferProgress>? progress, CancellationToken ct)
    {
        string destination;
        try
        {
            destination = Destination(entry, inventory);
        }
        catch (InvalidDataException e)
        {
            return new ModelFixResult(entry.Identity, ModelFixOutcome.Failed, null, null, e.Message, []);
        }

        var sources = Sources(entry).ToList();
        if (sources.Count == 0)
        {
            return new ModelFixResult(entry.Identity, ModelFixOutcome.Failed, null, destination, "no source: the registry lists no URL and no mirror is configured", []);
        }

        if (dryRun)
        {
            return new ModelFixResult(entry.Identity, ModelFixOutcome.Planned, sources[0].ToString(), destination,
                $"would fetch from {sources[0]} (then {sources.Count - 1} fallback source(s)), verify SHA-256 {entry.Sha256[..12]}… and put it at {destination}", []);
        }

        var attempts = new List<string>();
        foreach (var source in sources)
        {
            try
            {
                await downloader.DownloadAsync(source, new TransferTarget(destination, entry.Sha256, entry.Size), quarantine, progress, ct);
                return new ModelFixResult(entry.Identity, ModelFixOutcome.Repaired, source.ToString(), destination, $"verified copy from {source}", attempts);
            }
            catch (TransferException e)
            {
                attempts.Add(e.Message);
            }
        }

        return new ModelFixResult(entry.Identity, ModelFixOutcome.Failed, null, destination, $"every source failed ({attempts.Count})", attempts);
    }

    private IEnumerable<Uri> Sources(RegistryEntry entry)
    {
        foreach (var url in entry.Urls)
        {
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri))
            {
                yield return uri;
            }
        }

        foreach (var mirror in mirrors)
        {
            var baseUri = mirror.ToString().EndsWith('/') ? mirror : new Uri(mirror + "/");
            yield return new Uri(baseUri, string.Join('/', entry.Identity.Split('/').Select(Uri.EscapeDataString)));
        }
    }

    private static string Destination(RegistryEntry entry, WorkerInventory inventory)
    {
        var identity = ModelIdentity.Parse(entry.Identity);
        var root = inventory.ModelRoots.FirstOrDefault(r => r.FolderKey == identity.FolderKey)
            ?? throw new InvalidDataException($"{entry.Identity}: no model root for the folder key '{identity.FolderKey}'");
        var existing = inventory.Models.FirstOrDefault(m => m.Identity == entry.Identity);
        if (existing is not null)
        {
            root = inventory.ModelRoots.FirstOrDefault(r => r.FolderKey == identity.FolderKey && existing.Path.StartsWith(r.Path + Path.DirectorySeparatorChar, StringComparison.Ordinal)) ?? root;
        }

        return ModelPaths.Resolve(root, identity);
    }
}
