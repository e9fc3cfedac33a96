using ComfyDoctor.Server.Jobs;

namespace ComfyDoctor.Server.Repairs;

/// <summary>The jobs of one repair (one per worker), by worker name: what <c>GET /admin/repairs/{id}</c> and its event stream
/// show.</summary>
public static class RepairJobs
{
    public static async Task<List<JobView>> OfAsync(ComfyDoctorDb db, string repairId, CancellationToken ct) =>
        (
            await db
                .Jobs.AsNoTracking()
                .Where(j => j.RepairId == repairId)
                .Join(db.Workers, j => j.WorkerId, w => w.Id, (j, w) => new { Job = j, Worker = w.Name })
                .ToListAsync(ct)
        )
            .OrderBy(x => x.Worker, StringComparer.Ordinal)
            .Select(x => JobView.From(x.Job, x.Worker))
            .ToList();
}
