using ComfyDoctor.Core.NodeResolution;

namespace ComfyDoctor.Server.Catalog;

/// <summary>
/// This replica's built catalog and pins, kept while the stored version (<see cref="CatalogStateRow.Version"/>) stays the
/// same: one cheap read per use, a rebuild (a second or so for ComfyUI-Manager's real files) only after a change,
/// whichever replica made it.
/// </summary>
public sealed class CatalogCache : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Loaded? _current;

    public sealed record Loaded(long Version, NodeCatalog Catalog, AdminPins Pins)
    {
        public ResolveOptions Options => new(Catalog) { Pins = Pins };
    }

    public async Task<Loaded> GetAsync(ComfyDoctorDb db, CancellationToken ct)
    {
        var version = await db
            .CatalogState.AsNoTracking()
            .Where(s => s.Id == CatalogStateRow.CurrentId)
            .Select(s => s.Version)
            .FirstAsync(ct);
        if (_current is { } current && current.Version == version)
        {
            return current;
        }

        await _gate.WaitAsync(ct);
        try
        {
            if (_current is { } loaded && loaded.Version == version)
            {
                return loaded;
            }

            var state = await db.CatalogState.AsNoTracking().FirstAsync(s => s.Id == CatalogStateRow.CurrentId, ct);
            var files = await db
                .CatalogFiles.AsNoTracking()
                .ToDictionaryAsync(f => f.File, f => System.Text.Encoding.UTF8.GetBytes(f.Content), ct);
            return _current = new Loaded(state.Version, Build(files), PinsJson.Read(state.PinsJson));
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>Keeps what this replica just stored, so it is not read back.</summary>
    public void Set(Loaded loaded) => _current = loaded;

    /// <summary>The catalog of these files (by canonical name); a missing node map counts as an empty one.</summary>
    public static NodeCatalog Build(IReadOnlyDictionary<string, byte[]> files)
    {
        Stream? Open(string name) => files.TryGetValue(name, out var bytes) ? new MemoryStream(bytes, writable: false) : null;
        using var map = Open(CatalogFileNames.NodeMap) ?? new MemoryStream("{}"u8.ToArray());
        using var list = Open(CatalogFileNames.NodeList);
        using var stats = Open(CatalogFileNames.GithubStats);
        return NodeCatalog.Load(map, list, stats);
    }
}
