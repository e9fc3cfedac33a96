using ComfyDoctor.Core.Snapshots;
using ComfyDoctor.Core.Text;
using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Problems;

namespace ComfyDoctor.Server.Snapshots;

/// <summary>
/// A stored snapshot as it is handed out (issue 19.4). Pip entries and pack URLs may carry credentials
/// (<c>git+https://user:token@host/…</c>, <c>--index-url https://u:p@…</c>); the stored file keeps them, for the agents
/// restore from it. Everyone else gets the file with each URL's credentials replaced by <c>***</c> (<see cref="Redacted"/>):
/// a viewer's download, the admin API's default answer, the dashboard's download. The file exactly as imported goes only to
/// an admin who asks for it explicitly (<see cref="RawAsync"/>), and that is audited — without the file.
/// </summary>
public sealed class SnapshotDownload(SnapshotStore store, AuditTrail audit)
{
    /// <summary>The stored file, redacted; or why there is none.</summary>
    public async Task<Outcome<string>> RedactedAsync(string scope, string name, CancellationToken ct) =>
        await store.GetAsync(scope, name, ct) is { Value: { } row } ? Redacted(row) : NotStored(scope, name);

    /// <summary>The stored file as imported, for an admin; audited as <c>snapshot.download-raw</c>.</summary>
    public async Task<Outcome<string>> RawAsync(string scope, string name, string actor, CancellationToken ct)
    {
        if (await store.GetAsync(scope, name, ct) is not { Value: { } row })
        {
            return NotStored(scope, name);
        }

        var carries = UrlCredentials.Carries(row.Content);
        await audit.AppendAsync(
            actor,
            "snapshot.download-raw",
            $"{scope}:{name}",
            $"SHA-256 {row.Sha256}",
            carries ? "handed out as imported, credentials included" : "handed out as imported (no credentials in it)",
            ct
        );
        return row.Content;
    }

    /// <summary>
    /// The file's text with every URL's credentials replaced. A text edit cannot see a credential hidden by an escape
    /// (<c>\u0040</c> in JSON, <c>\x40</c> in YAML), so the edited file is read again: if any pack URL or pip entry still carries
    /// one (or it no longer reads), the snapshot is written anew from what it says, credentials replaced field by field.
    /// </summary>
    public static string Redacted(SnapshotRow row)
    {
        var text = UrlCredentials.Redact(row.Content);
        if (ReadsClean(text, row.Label))
        {
            return text;
        }

        var snapshot = SnapshotReader.Read(row.Content, row.Label);
        var clean = snapshot with
        {
            GitPacks = [.. snapshot.GitPacks.Select(p => p with { Url = UrlCredentials.Redact(p.Url) })],
            Pips = [.. snapshot.Pips.Select(p => new SnapshotPip(UrlCredentials.Redact(p.Key), UrlCredentials.Redact(p.Value)))],
        };
        return SnapshotWriter.Write(clean, snapshot.Models is null ? SnapshotFormats.Manager : SnapshotFormats.ComfyDoctor);
    }

    private static bool ReadsClean(string text, string source)
    {
        try
        {
            var snapshot = SnapshotReader.Read(text, source);
            return !snapshot.GitPacks.Any(p => UrlCredentials.Carries(p.Url))
                && !snapshot.Pips.Any(p => UrlCredentials.Carries(p.Key) || UrlCredentials.Carries(p.Value));
        }
        catch (SnapshotFormatException)
        {
            return false;
        }
    }

    private static Outcome<string> NotStored(string scope, string name) =>
        ProblemTypes.SnapshotNotFound.Because($"no snapshot of {scope} '{name}'");
}
