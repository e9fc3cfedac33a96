using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Core.Protocol;

/// <summary>The wire records of the agent API (<c>/agent/v1</c>), shared by the server and the agent.</summary>
public static class AgentProtocol
{
    public const string Prefix = "/agent/v1";
    public const string ScanJob = "scan";
}

/// <summary><c>POST /agent/v1/enroll</c>: the one use of the enroll token; the answer's credential is used from then on.</summary>
public sealed record EnrollRequest(string Name, IReadOnlyList<string> Tags, string EnrollToken);

public sealed record EnrollResponse(string WorkerId, string Credential);

/// <summary>A job handed to an agent by <c>GET /agent/v1/jobs/next</c>.</summary>
public sealed record AgentJob(string Id, string Kind, ScanJobPayload Scan);

public sealed record ScanJobPayload(string ScanId, bool Deep);

/// <summary><c>POST /agent/v1/jobs/{id}/progress</c>.</summary>
public sealed record JobProgress(string Message, int FilesDone, int FilesTotal, long BytesDone, long BytesTotal);

/// <summary><c>POST /agent/v1/jobs/{id}/result</c>: the inventory, or why the job failed.</summary>
public sealed record JobResult(WorkerInventory? Inventory, string? Error);
