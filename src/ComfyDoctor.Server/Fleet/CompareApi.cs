using ComfyDoctor.Server.Problems;
using ComfyDoctor.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComfyDoctor.Server.Fleet;

/// <summary>
/// <c>GET /admin/compare?workers=a,b&amp;reference=&amp;offset=&amp;limit=&amp;all=</c>: the latest finished inventories of the named
/// workers (all when none are named), lined up attribute by attribute: every pack, runtime and disk line, and one page of the
/// model lines that differ (<see cref="BoundedComparison"/>; <c>all=true</c>: a page of every model line).
/// </summary>
public static class CompareApi
{
    public static void MapCompare(this IEndpointRouteBuilder app) => app.MapAdminGroup("Fleet").MapGet("/compare", CompareAsync);

    private static async Task<Results<Ok<BoundedComparisonResult>, ProblemHttpResult>> CompareAsync(
        string? workers,
        string? reference,
        int? offset,
        int? limit,
        bool? all,
        ComfyDoctorDb db,
        CancellationToken ct
    )
    {
        var names = string.IsNullOrWhiteSpace(workers)
            ? null
            : workers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        reference = string.IsNullOrWhiteSpace(reference) ? null : reference;
        var heads = await LatestScans.FinishedHeadsAsync(db, names, ct);
        var missing = (names ?? []).Except(heads.Select(h => h.Worker), StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            return NotComparable($"no finished scan for: {string.Join(", ", missing)}");
        }

        try
        {
            var result = await BoundedComparison.CompareAsync(
                db,
                heads.Select(h => h.Head).ToList(),
                reference,
                offset ?? 0,
                limit ?? BoundedComparison.DefaultLimit,
                ct,
                all ?? false
            );
            return TypedResults.Ok(result ?? new BoundedComparisonResult([], reference, [], new ModelLines(0, 0, 0, 0)));
        }
        catch (ArgumentException e)
        {
            return NotComparable(e.Message);
        }
    }

    private static ProblemHttpResult NotComparable(string why) => ProblemTypes.NotComparable.Because(why).ToProblem();
}
