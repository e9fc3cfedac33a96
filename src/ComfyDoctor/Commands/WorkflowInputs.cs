using System.CommandLine;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Core.Workflows;

namespace ComfyDoctor.Cli.Commands;

/// <summary>
/// The options that name workflows and the catalog their node types resolve against, shared by <c>check</c> and
/// <c>resolve</c>, and the one way they are read.
/// </summary>
public sealed class WorkflowInputs
{
    public Option<FileInfo[]> Workflows { get; } =
        new("--workflow") { Description = "Workflow JSON (UI or API shape); repeat for several", AllowMultipleArgumentsPerToken = true };
    public Option<FileInfo?> NodeMap { get; } = new("--node-map") { Description = "ComfyUI-Manager's extension-node-map.json" };
    public Option<FileInfo?> NodeList { get; } =
        new("--node-list") { Description = "ComfyUI-Manager's custom-node-list.json (registry ids, install data)" };
    public Option<FileInfo?> GithubStats { get; } =
        new("--github-stats") { Description = "ComfyUI-Manager's github-stats.json (popularity for tie-breaking)" };
    public Option<FileInfo?> Pins { get; } =
        new("--pins") { Description = "Admin pins, YAML or JSON: packs: [{name, url, version}], nodes: {NodeType: pack}" };

    public Option<DirectoryInfo[]> PackSources { get; } =
        new("--pack-sources")
        {
            Description =
                "Folder of node-pack checkouts or bare mirrors (NAME/ or owner+repo/repo): node types their web code registers "
                + "(frontend-only nodes such as SetNode) resolve to them; repeatable",
            AllowMultipleArgumentsPerToken = true,
        };

    public Option<FileInfo[]> ObjectInfo { get; } =
        new("--object-info")
        {
            Description =
                "Node types a worker's ComfyUI reported: its /object_info response, "
                + "or {worker, nodes: {type: pack folder}, packs: {folder: url}}; repeatable",
            AllowMultipleArgumentsPerToken = true,
        };

    public Option<bool> Fleet { get; } =
        new("--fleet")
        {
            Description =
                "One choice per node type across all the given workflows "
                + "(the fewest packs for them together, as the server decides for the fleet)",
        };

    public IEnumerable<Option> All => [Workflows, NodeMap, NodeList, GithubStats, Pins, PackSources, ObjectInfo, Fleet];

    public bool Any(ParseResult parse) => parse.GetValue(Workflows) is { Length: > 0 };

    /// <summary>The resolution and what it was resolved against (the installer's policy needs the catalog and pins).</summary>
    public sealed record Loaded(ResolutionReport Report, NodeCatalog? Catalog, AdminPins Pins);

    /// <summary>Reads every workflow and the catalog, then resolves; any unreadable file is a <see cref="UsageException"/>.
    /// <paramref name="installedPacks"/>: a <c>custom_nodes</c> folder whose packs' web code counts as well.</summary>
    public async Task<Loaded> ResolveAsync(ParseResult parse, CancellationToken ct, string? installedPacks = null)
    {
        var known = await KnownPacks.ReadAsync(parse.GetValue(PackSources) ?? [], parse.GetValue(ObjectInfo) ?? [], installedPacks, ct);
        try
        {
            var documents = (parse.GetValue(Workflows) ?? []).Select(f => WorkflowReader.ReadFile(Existing(f))).ToList();
            var catalog = parse.GetValue(NodeMap) is { } map
                ? NodeCatalog.LoadFiles(Existing(map), Optional(parse.GetValue(NodeList)), Optional(parse.GetValue(GithubStats)))
                : null;
            var pins = parse.GetValue(Pins) is { } pinsFile ? AdminPinsReader.ReadFile(Existing(pinsFile)) : AdminPins.Empty;
            var options = new ResolveOptions(catalog ?? NodeCatalog.Empty) { Pins = pins, Known = known };
            var report = parse.GetValue(Fleet) ? NodeResolver.ResolveFleet(documents, options) : NodeResolver.Resolve(documents, options);
            return new Loaded(report, catalog, pins);
        }
        catch (Exception e) when (e is WorkflowFormatException or NodeCatalogFormatException)
        {
            throw new UsageException(e.Message, e);
        }
    }

    /// <summary>The expected state the workflows add: node packs, unresolved types and the models they name.</summary>
    public static ExpectedState AddTo(ExpectedState expected, ResolutionReport report) =>
        expected with
        {
            RequiredNodePacks = report.NodePacks(),
            UnresolvedNodes = report.UnresolvedNodes(),
            RequiredModels = report.Models(),
        };

    private static string Existing(FileInfo file) =>
        file.Exists ? file.FullName : throw new UsageException($"file not found: {file.FullName}");

    private static string? Optional(FileInfo? file) => file is null ? null : Existing(file);
}
