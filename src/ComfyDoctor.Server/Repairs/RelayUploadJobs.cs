using ComfyDoctor.Core.Protocol;

namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// Upload jobs end with their relay: the download closes its own at its end; the upload jobs of a relay nobody downloads any
/// more — its download's replica died before it could close them, or the relay was given up — are closed when their peer comes
/// to upload, so they are not handed out again at each lease's end.
/// </summary>
internal static class RelayUploadJobs
{
    public static Task<int> CloseAsync(ComfyDoctorDb db, string workerId, string relayId) =>
        CloseAsync(
            db.Jobs.Where(j =>
                j.WorkerId == workerId
                && j.Kind == AgentProtocol.UploadBlobJob
                && (j.Status == JobStatus.Queued || j.Status == JobStatus.Running)
                && j.PayloadJson.Contains(relayId)
            )
        );

    public static Task<int> CloseAsync(IQueryable<JobRow> jobs) =>
        jobs.ExecuteUpdateAsync(
            s =>
                s.SetProperty(j => j.Status, JobStatus.Done)
                    .SetProperty(j => j.LeaseUntil, (long?)null)
                    .SetProperty(j => j.UpdatedAt, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()),
            CancellationToken.None
        );
}
