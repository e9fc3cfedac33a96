using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Core.Protocol;

/// <summary>
/// A scan result's model list sent as a change against the list the server stored for an earlier job of the same worker
/// (issue 20.4): most files are unchanged between scans, so a worker with 100,000 model files re-reports in kilobytes.
/// The server rebuilds the whole list from its stored copy (<see cref="ModelListDelta.Apply"/>) and keeps it only when
/// its digest equals <see cref="ModelsSha256"/>; otherwise it asks for the whole list (problem type
/// <c>result-base-unknown</c>), so what is stored is always what a full report would have stored.
/// </summary>
/// <param name="BaseJob">The job whose stored result is the base.</param>
/// <param name="Runs">The edit script over the base list, applied in order.</param>
/// <param name="ModelsSha256">The digest of the whole new list (<see cref="ModelListDelta.Digest"/>).</param>
public sealed record InventoryDelta(string BaseJob, IReadOnlyList<DeltaRun> Runs, string ModelsSha256);

/// <summary>One step of the edit script: copy <paramref name="Keep"/> entries of the base at its cursor, then pass over
/// <paramref name="Skip"/> more, then append <paramref name="Add"/>.</summary>
public sealed record DeltaRun(int Keep, int Skip, IReadOnlyList<ModelFile> Add);

/// <summary>What the server learns from the hello: the optional protocol features it accepts.</summary>
public static class ServerFeatures
{
    /// <summary>Scan results may carry <see cref="JobResult.ModelsDelta"/> instead of the whole model list.</summary>
    public const string InventoryDelta = "inventory-delta";
}
