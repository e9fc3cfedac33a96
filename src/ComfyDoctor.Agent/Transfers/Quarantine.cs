namespace ComfyDoctor.Agent.Transfers;

/// <summary>
/// Where files that a repair replaces go instead of being deleted: <c>&lt;folder&gt;/&lt;UTC date&gt;/&lt;file name&gt;.&lt;time&gt;</c>,
/// on the same volume as the model folders so the move is a rename. <see cref="Purge"/> removes days older than the retention.
/// </summary>
public sealed class Quarantine(string folder, TimeSpan retention)
{
    public string Folder => folder;

    /// <summary>Moves <paramref name="path"/> into quarantine and returns where it went.</summary>
    public string Keep(string path)
    {
        var now = DateTime.UtcNow;
        var day = Path.Combine(folder, now.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(day);
        var kept = Path.Combine(day, $"{Path.GetFileName(path)}.{now:HHmmssfff}");
        File.Move(path, kept);
        return kept;
    }

    public void Purge()
    {
        if (!Directory.Exists(folder))
        {
            return;
        }

        foreach (var day in Directory.GetDirectories(folder))
        {
            if (DateTime.TryParseExact(Path.GetFileName(day), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var date)
                && DateTime.UtcNow - date > retention)
            {
                Directory.Delete(day, recursive: true);
            }
        }
    }
}
