using static Microsoft.AspNetCore.Http.StatusCodes;

namespace ComfyDoctor.Server.Problems;

/// <summary>Every refusal the API answers with, one stable type each (README, "API errors" lists them with their status).</summary>
public static class ProblemTypes
{
    // Workers and enrolment
    public static readonly ProblemType UnknownWorker = new("unknown-worker", Status404NotFound, "Unknown worker");
    public static readonly ProblemType NotScanned = new("not-scanned", Status404NotFound, "No finished scan");
    public static readonly ProblemType WrongEnrollToken = new("wrong-enroll-token", Status401Unauthorized, "Wrong enroll token");
    public static readonly ProblemType InvalidEnrolment = new("invalid-enrolment", Status400BadRequest, "Invalid enrolment");
    public static readonly ProblemType WorkerExists = new("worker-exists", Status409Conflict, "Worker already enrolled");
    public static readonly ProblemType EnrolmentThrottled = new(
        "enrolment-throttled",
        Status429TooManyRequests,
        "Too many wrong enroll tokens"
    );
    public static readonly ProblemType InvalidHello = new("invalid-hello", Status400BadRequest, "Invalid hello");

    // Scans, jobs and comparison
    public static readonly ProblemType ScanNotFound = new("scan-not-found", Status404NotFound, "No such scan");
    public static readonly ProblemType JobNotFound = new("job-not-found", Status404NotFound, "No such job");
    public static readonly ProblemType JobEnded = new("job-ended", Status409Conflict, "Job already ended");
    public static readonly ProblemType JobCancelled = new("job-cancelled", Status409Conflict, "Job cancelled by an admin");
    public static readonly ProblemType InvalidResult = new("invalid-result", Status400BadRequest, "Invalid job result");
    public static readonly ProblemType ResultBaseUnknown = new(
        "result-base-unknown",
        Status409Conflict,
        "Result's base unknown: send every model"
    );
    public static readonly ProblemType ResultTooLarge = new("result-too-large", Status413PayloadTooLarge, "Job result too large");
    public static readonly ProblemType ServerBusy = new("server-busy", Status503ServiceUnavailable, "Server busy, retry later");
    public static readonly ProblemType NotComparable = new("not-comparable", Status400BadRequest, "Cannot compare");

    // Registry, workflows, schedule
    public static readonly ProblemType InvalidRegistry = new("invalid-registry", Status400BadRequest, "Invalid registry file");
    public static readonly ProblemType InvalidWorkflow = new("invalid-workflow", Status400BadRequest, "Invalid workflow");
    public static readonly ProblemType InvalidSchedule = new("invalid-schedule", Status400BadRequest, "Invalid schedule");
    public static readonly ProblemType NoSchedule = new("no-schedule", Status404NotFound, "No schedule set");

    // Node catalog and pins (issue 15.2)
    public static readonly ProblemType InvalidCatalog = new("invalid-catalog", Status400BadRequest, "Invalid node catalog file");
    public static readonly ProblemType CatalogTooLarge = new("catalog-too-large", Status413PayloadTooLarge, "Catalog file too large");
    public static readonly ProblemType InvalidPins = new("invalid-pins", Status400BadRequest, "Invalid pins");

    // Snapshots (issue 19)
    public static readonly ProblemType InvalidSnapshot = new("invalid-snapshot", Status400BadRequest, "Invalid snapshot file");
    public static readonly ProblemType SnapshotTooLarge = new("snapshot-too-large", Status413PayloadTooLarge, "Snapshot file too large");
    public static readonly ProblemType InvalidSnapshotTarget = new("invalid-snapshot-target", Status400BadRequest, "Invalid tag or format");
    public static readonly ProblemType SnapshotNotFound = new("snapshot-not-found", Status404NotFound, "No such snapshot");

    // Repairs and the blob relay
    public static readonly ProblemType InvalidRepair = new("invalid-repair", Status400BadRequest, "Invalid repair request");
    public static readonly ProblemType RepairBusy = new("repair-busy", Status409Conflict, "A repair is already queued or running");
    public static readonly ProblemType RepairNotFound = new("repair-not-found", Status404NotFound, "No such repair");
    public static readonly ProblemType RepairPlanNotFound = new("repair-plan-not-found", Status404NotFound, "No such repair plan");
    public static readonly ProblemType RepairPlanVersion = new("repair-plan-version", Status409Conflict, "Not the plan shown");
    public static readonly ProblemType RepairPlanConfirmed = new("repair-plan-confirmed", Status409Conflict, "Repair plan already run");
    public static readonly ProblemType RepairPlanExpired = new("repair-plan-expired", Status409Conflict, "Repair plan too old to run");
    public static readonly ProblemType RepairPlanMismatch = new("repair-plan-mismatch", Status400BadRequest, "Not the plan confirmed");
    public static readonly ProblemType InvalidLastEventId = new(
        "invalid-last-event-id",
        Status400BadRequest,
        "Not an event id of this stream"
    );
    public static readonly ProblemType InvalidBlobRequest = new("invalid-blob-request", Status400BadRequest, "Invalid blob request");
    public static readonly ProblemType NotRelayed = new("not-relayed", Status404NotFound, "Blob not relayed");
    public static readonly ProblemType RelayNotNeeded = new("relay-not-needed", Status403Forbidden, "No repair needs this blob");
    public static readonly ProblemType PeerTimeout = new("peer-timeout", Status504GatewayTimeout, "Peer did not start sending");
    public static readonly ProblemType RelayNotFound = new("relay-not-found", Status404NotFound, "No download waits for this relay");
    public static readonly ProblemType InvalidUpload = new("invalid-upload", Status400BadRequest, "Invalid relay upload");
    public static readonly ProblemType RelayServed = new("relay-served", Status409Conflict, "Relay already served");
    public static readonly ProblemType PeerUploadRefused = new("peer-upload-refused", Status502BadGateway, "Peer's upload refused");

    /// <summary>Every type above, for the README's list and its test.</summary>
    public static IReadOnlyList<ProblemType> All { get; } =
        typeof(ProblemTypes)
            .GetFields()
            .Where(f => f.FieldType == typeof(ProblemType))
            .Select(f => (ProblemType)f.GetValue(null)!)
            .ToList();
}
