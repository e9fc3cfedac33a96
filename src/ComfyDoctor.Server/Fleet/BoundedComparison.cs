using ComfyDoctor.Core.Comparison;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Server.Fleet;

/// <summary>How much of the model lines a comparison shows: the identities compared, those that differ, and the page of them
/// shown.</summary>
public sealed record ModelLines(int Identities, int Differing, int Offset, int Limit);

/// <summary>A comparison as the API and the dashboard show it: every node, runtime and disk line, and one page of the model lines that
/// differ.</summary>
public sealed record BoundedComparisonResult(
    IReadOnlyList<string> Workers,
    string? Reference,
    IReadOnlyList<ComparisonRow> Rows,
    ModelLines Models
)
{
    /// <summary>The Python package lines (issue 19.1): how many packages were compared and how many differ; only those that differ
    /// are among <see cref="Rows"/> unless every line was asked for.</summary>
    public PackageLines? Packages { get; init; }
}

/// <summary>How many Python packages a comparison lined up, and on how many the workers do not all agree.</summary>
public sealed record PackageLines(int Compared, int Differing);

/// <summary>
/// Compares workers without reading their model lists (issue 16.5): the model identities on which the compared scans do not
/// all agree (held by fewer than all of them, or with more than one hash) are found in SQL over <c>scan_models</c>; one
/// page of them is read and lined up by <see cref="FleetComparison"/> with the heads' packs and environments. Model files
/// identical on every worker are counted, never listed — 100,000 shared models cost a count, not 77 MB of HTML.
/// </summary>
public static class BoundedComparison
{
    public const int DefaultLimit = 500;

    public const int MaxLimit = 5_000;

    /// <summary>Model cells (lines × workers) one page may hold, whatever the limit asked for.</summary>
    public const int MaxCells = 200_000;

    /// <summary>The comparison, or null when none of <paramref name="heads"/> has a readable report.</summary>
    /// <param name="all">Page through every model identity, the identical ones too (the CLI's <c>compare --all</c>), not only those that
    /// differ.</param>
    public static async Task<BoundedComparisonResult?> CompareAsync(
        ComfyDoctorDb db,
        IReadOnlyList<ScanHead> heads,
        string? reference,
        int offset,
        int limit,
        CancellationToken ct,
        bool all = false
    )
    {
        var inventories = new List<(string ScanId, WorkerInventory Head)>();
        foreach (var head in heads)
        {
            if (await StoredReports.HeadAsync(db, head.Id, ct) is { } report)
            {
                inventories.Add((head.Id, report.Inventory));
            }
        }

        if (inventories.Count == 0)
        {
            return null;
        }

        var scanIds = inventories.Select(i => i.ScanId).ToList();
        var take = Math.Min(Math.Clamp(limit, 1, MaxLimit), Math.Max(1, MaxCells / scanIds.Count));
        var skip = Math.Max(0, offset);
        var models = db.ScanModels.AsNoTracking().Where(m => scanIds.Contains(m.ScanId));
        var count = scanIds.Count;
        var differing = models
            .GroupBy(m => m.Identity)
            .Where(g => g.Select(m => m.ScanId).Distinct().Count() < count || g.Select(m => m.Sha256 ?? "").Distinct().Count() > 1)
            .Select(g => g.Key);
        var identities = await models.Select(m => m.Identity).Distinct().CountAsync(ct);
        var total = await differing.CountAsync(ct);
        var listed = all ? models.Select(m => m.Identity).Distinct() : differing;
        var page = await listed.OrderBy(i => i).Skip(skip).Take(take).ToListAsync(ct);
        var rows = await models
            .Where(m => page.Contains(m.Identity))
            .OrderBy(m => m.Seq)
            .Select(m => new { m.ScanId, m.Json })
            .ToListAsync(ct);
        var byScan = rows.ToLookup(r => r.ScanId, r => ReportJson.Deserialize<ModelFile>(r.Json)!);
        var lined = FleetComparison.Compare(
            inventories.Select(i => i.Head with { Models = byScan[i.ScanId].ToList() }).ToList(),
            reference
        );
        var packages = lined.Rows.Where(r => r.Category == RuntimeAttributes.Python).ToList();
        return new BoundedComparisonResult(
            lined.Workers,
            lined.Reference,
            lined.Rows.Where(r => all || r.Category is not ("models" or RuntimeAttributes.Python) || !r.Uniform).ToList(),
            new ModelLines(identities, total, skip, take)
        )
        {
            Packages = new PackageLines(packages.Count, packages.Count(r => !r.Uniform)),
        };
    }
}
