using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Server.Problems;
using ComfyDoctor.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace ComfyDoctor.Server.Scans;

/// <summary>
/// Rebuilds a result sent as a change (<see cref="JobResult.ModelsDelta"/>, issue 20.4) into the whole result, from the
/// models the server stored for the base job of the same worker. A base that is not this worker's finished scan, or a
/// rebuilt list whose digest differs from the agent's, is refused as <c>result-base-unknown</c> (409): the agent then
/// sends the whole list. What is stored is always what the full report would have stored.
/// </summary>
public static class ResultBase
{
    public static async Task<Outcome<JobResult>> ExpandAsync(ComfyDoctorDb db, string workerId, JobResult result, CancellationToken ct)
    {
        if (result.ModelsDelta is not { } delta || result.Inventory is not { } inventory)
        {
            return result;
        }

        if (inventory.Models.Count > 0)
        {
            return ProblemTypes.InvalidResult.Because("a result with a models delta must not list models as well");
        }

        var scanId = await db
            .Scans.AsNoTracking()
            .Where(s => s.JobId == delta.BaseJob && s.WorkerId == workerId && s.Status == JobStatus.Done)
            .Select(s => s.Id)
            .FirstOrDefaultAsync(ct);
        if (scanId is null)
        {
            return ProblemTypes.ResultBaseUnknown.Because($"no stored scan of this worker for job {delta.BaseJob}: send every model");
        }

        var rebuilt = ModelListDelta.Apply(await Fleet.StoredReports.ModelsAsync(db, scanId, 0, int.MaxValue, ct), delta);
        return rebuilt.Models is { } models
            ? result with
            {
                Inventory = inventory with { Models = models },
                ModelsDelta = null,
            }
            : ProblemTypes.ResultBaseUnknown.Because($"{rebuilt.Problem}: send every model");
    }
}
