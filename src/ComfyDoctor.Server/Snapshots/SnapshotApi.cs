using System.Security.Claims;
using ComfyDoctor.Core.Snapshots;
using ComfyDoctor.Server.Problems;
using ComfyDoctor.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace ComfyDoctor.Server.Snapshots;

/// <summary>
/// Snapshots (issue 19), admin token only: <c>GET /admin/snapshots</c> (every stored one), <c>PUT|GET|DELETE
/// /admin/snapshots/tags/{tag}</c> and <c>/admin/snapshots/workers/{worker}</c> (PUT: the file as the body, in any layout
/// <see cref="SnapshotReader"/> reads, <c>?file=NAME</c> naming it in errors and the audit trail; GET: the stored file with
/// URL credentials hidden, or as imported with <c>?raw=true</c>, audited: <see cref="SnapshotDownload"/>),
/// <c>GET /admin/workers/{worker}/snapshot?format=manager|comfydoctor</c> (export from the last inventory) and
/// <c>POST /admin/snapshots/tags/{tag}/adopt/{worker}</c> (that worker's state becomes the tag's).
/// </summary>
public static class SnapshotApi
{
    public static void MapSnapshots(this IEndpointRouteBuilder app)
    {
        var admin = app.MapAdminGroup("Snapshots");
        admin.MapGet("/snapshots", async (SnapshotStore store, CancellationToken ct) => TypedResults.Ok(await store.ListAsync(ct)));
        foreach (var (segment, scope) in new[] { ("tags", SnapshotRow.TagScope), ("workers", SnapshotRow.WorkerScope) })
        {
            admin.MapPut(
                $"/snapshots/{segment}/{{name}}",
                async Task<IResult> (
                    string name,
                    string? file,
                    HttpRequest request,
                    ClaimsPrincipal user,
                    SnapshotStore store,
                    CancellationToken ct
                ) =>
                    await ReadAsync(request, ct) is { } body
                        ? (await store.ImportAsync(scope, name, body, SourceName(file), user.Identity!.Name!, ct)).OkOrProblem().Result
                        : TooLarge()
            );
            admin.MapGet(
                $"/snapshots/{segment}/{{name}}",
                async Task<IResult> (string name, bool? raw, ClaimsPrincipal user, SnapshotDownload download, CancellationToken ct) =>
                    await (raw == true ? download.RawAsync(scope, name, user.Identity!.Name!, ct) : download.RedactedAsync(scope, name, ct))
                        is { Value: { } text }
                        ? TypedResults.Text(text, SnapshotDashboardActions.MediaType(text))
                        : ProblemTypes.SnapshotNotFound.Because($"no snapshot of {scope} '{name}'").ToProblem()
            );
            admin.MapDelete(
                $"/snapshots/{segment}/{{name}}",
                async (string name, ClaimsPrincipal user, SnapshotStore store, CancellationToken ct) =>
                    (await store.DeleteAsync(scope, name, user.Identity!.Name!, ct)).OkOrProblem()
            );
        }

        admin.MapPost(
            "/snapshots/tags/{tag}/adopt/{worker}",
            async (string tag, string worker, ClaimsPrincipal user, SnapshotExport export, CancellationToken ct) =>
                (await export.AdoptAsync(worker, tag, user.Identity!.Name!, ct)).OkOrProblem()
        );
        admin.MapGet(
            "/workers/{worker}/snapshot",
            async Task<IResult> (string worker, string? format, SnapshotExport export, CancellationToken ct) =>
                await export.ExportAsync(worker, format ?? SnapshotFormats.Manager, ct) switch
                {
                    { Refusal: { } refusal } => refusal.ToProblem(),
                    var outcome => TypedResults.Text(outcome.Value!, "application/json"),
                }
        );
        app.MapSnapshotDashboard();
    }

    /// <summary>The body, or null when it is larger than a snapshot may be.</summary>
    private static async Task<byte[]?> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > SnapshotReader.MaxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>The file name the client says it read the body from (<c>?file=</c>: errors and the audit name it), else
    /// <c>request body</c>.</summary>
    private static string SourceName(string? file) =>
        Path.GetFileName(file) is { Length: > 0 and <= 200 } name && !name.Any(char.IsControl) ? name : "request body";

    private static ProblemHttpResult TooLarge() =>
        ProblemTypes.SnapshotTooLarge.Because($"a snapshot file may have at most {SnapshotReader.MaxBytes:N0} bytes").ToProblem();
}
