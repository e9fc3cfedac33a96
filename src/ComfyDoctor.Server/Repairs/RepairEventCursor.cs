using System.Globalization;

namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// Where a repair's event stream stands: the change of one job (its update time in Unix milliseconds, then its id), in
/// the order the stream sends changes. It is each progress event's <c>id:</c>; a client that reconnects sends the last
/// one back as <c>Last-Event-ID</c> and is sent only the changes after it — none twice, none skipped — from any replica,
/// as the cursor is read from the shared store, not from the connection.
/// </summary>
internal readonly record struct RepairEventCursor(long UpdatedAt, string JobId) : IComparable<RepairEventCursor>
{
    public static RepairEventCursor Of(Jobs.JobView job) => new(job.UpdatedAt.ToUnixTimeMilliseconds(), job.Id);

    /// <summary>A <c>Last-Event-ID</c> this server sent; false for anything else (the caller answers 400).</summary>
    public static bool TryParse(string text, out RepairEventCursor cursor)
    {
        cursor = default;
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (
            dash <= 0
            || dash == text.Length - 1
            || !long.TryParse(text.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var updatedAt)
        )
        {
            return false;
        }

        cursor = new RepairEventCursor(updatedAt, text[(dash + 1)..]);
        return true;
    }

    public int CompareTo(RepairEventCursor other) =>
        UpdatedAt != other.UpdatedAt ? UpdatedAt.CompareTo(other.UpdatedAt) : string.CompareOrdinal(JobId, other.JobId);

    public override string ToString() => UpdatedAt.ToString(CultureInfo.InvariantCulture) + "-" + JobId;
}
