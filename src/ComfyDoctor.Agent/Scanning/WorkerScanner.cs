using ComfyDoctor.Agent.ComfyUi;
using ComfyDoctor.Agent.Formats;
using ComfyDoctor.Agent.Hashing;
using ComfyDoctor.Agent.Models;
using ComfyDoctor.Agent.Nodes;
using ComfyDoctor.Agent.Runtime;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.NodeResolution;

namespace ComfyDoctor.Agent.Scanning;

/// <summary>
/// Gathers a worker's <see cref="WorkerInventory"/>: model roots and files (hashed through the cache), node packs
/// of every <c>custom_nodes</c> folder, and the environment — the node and environment parts run while models hash.
/// With a running ComfyUI (<see cref="ScanOptions.ComfyUrl"/>) the roots are those it was started with
/// (<see cref="ComfyUiPaths"/>: <c>--base-directory</c>, <c>--extra-model-paths-config</c>, <c>--output-directory</c>…).
/// </summary>
public sealed class WorkerScanner
{
    public FileHasher Hasher { get; } = new();

    /// <summary>One cache file per installation: <c>~/.cache/comfydoctor/hashes-&lt;first 16 hex of SHA-256(root)&gt;.json</c>.</summary>
    public static string DefaultCacheFile(string comfyUiRoot)
    {
        var key = Convert.ToHexStringLower(
            System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(comfyUiRoot)))
        )[..16];
        return Path.Combine(ScanOptions.DefaultCacheFolder, $"hashes-{key}.json");
    }

    public async Task<WorkerInventory> ScanAsync(ScanOptions options, IProgress<ScanProgress>? progress, CancellationToken ct)
    {
        // A running ComfyUI is asked first: the arguments it was started with decide which folders are its model roots.
        var (running, liveProblem) = await ReadLiveAsync(options, ct);
        var paths = ComfyUiPaths.Of(options.ComfyUiRoot, running?.Arguments, running?.Url);
        var roots = ModelRootResolver.Resolve(paths, options.ExtraModelPaths);
        var cache = options.CachePath is null ? HashCache.InMemory() : HashCache.Load(options.CachePath);

        var nodes = ScanNodePacksAsync(roots.CustomNodeRoots, ct);
        var web = ScanWebCodeAsync(roots.CustomNodeRoots, ct);
        var probe = new ProbeOptions(
            options.ComfyUiRoot,
            options.Python,
            roots.ModelRoots.Select(r => r.Path).ToList(),
            options.ProbeTimeout,
            options.NvidiaSmi
        );
        var environment = EnvironmentProbe.ProbeAsync(probe, ct);
        var models = await new ModelScanner(cache, Hasher, ModelFormatChecker.Check).ScanEntriesAsync(
            roots.ModelRoots,
            options.Deep,
            options.Parallelism,
            progress,
            ct
        );
        var cacheProblem = await SaveCacheAsync(cache, options.CachePath, ct);

        var facts = await environment;
        var problems = new[] { liveProblem, cacheProblem }.OfType<string>().Concat(roots.Notes).ToList();
        if (problems.Count > 0)
        {
            facts = facts with { Notes = [.. facts.Notes, .. problems] };
        }

        return new WorkerInventory(options.WorkerName, DateTimeOffset.UtcNow, roots.ModelRoots, models.Models, await nodes, facts)
        {
            Live = running,
            Skipped = models.Skipped,
            WebNodeTypes = await web,
        };
    }

    /// <summary>A cache that cannot be written (full disk, read-only home) costs the next scan time, never this scan's result.</summary>
    private static async Task<string?> SaveCacheAsync(HashCache cache, string? path, CancellationToken ct)
    {
        try
        {
            await cache.SaveAsync(ct);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"hash cache {path} not saved: {e.Message}";
        }
    }

    private static async Task<(LiveComfyUi?, string?)> ReadLiveAsync(ScanOptions options, CancellationToken ct)
    {
        if (options.ComfyUrl is null)
        {
            return (null, null);
        }

        using var http = new HttpClient { Timeout = options.ProbeTimeout };
        var baseUrl = options.ComfyUrl.ToString().EndsWith('/') ? options.ComfyUrl : new Uri(options.ComfyUrl + "/");
        return await ComfyUiClient.ReadAsync(http, baseUrl, ct);
    }

    private static async Task<IReadOnlyList<NodePack>> ScanNodePacksAsync(IReadOnlyList<string> folders, CancellationToken ct)
    {
        var packs = new List<NodePack>();
        foreach (var folder in folders.Where(Directory.Exists))
        {
            packs.AddRange(await NodePackScanner.ScanAsync(folder, ct));
        }

        return packs;
    }

    /// <summary>The frontend-only node types the installed packs' web code registers (what no <c>/object_info</c> lists).</summary>
    private static async Task<IReadOnlyList<KnownPackNodes>> ScanWebCodeAsync(IReadOnlyList<string> folders, CancellationToken ct)
    {
        var found = new List<KnownPackNodes>();
        foreach (var folder in folders.Where(Directory.Exists))
        {
            try
            {
                found.AddRange(await PackWebCode.ReadAsync(folder, ct));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // a folder that vanished or cannot be read teaches nothing; the pack scan reports what it can
            }
        }

        return found;
    }
}
