using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace ComfyDoctor.Server.Catalog;

/// <summary>
/// Reads the files of a catalog import as they stream in: a multipart form (each part named by its file name) or one
/// JSON body named by <c>?file=</c>. A part's name is checked before its body is read; a body larger than the limit
/// stops the read with 413 at the limit, so nothing larger is ever held.
/// </summary>
public static class CatalogUpload
{
    /// <summary>The files, or the status and reason to refuse them with.</summary>
    public sealed record Read(IReadOnlyList<CatalogFile> Files, int Status, string? Error);

    public static async Task<Read> ReadAsync(HttpRequest request, string? file, long limit, CancellationToken ct)
    {
        if (
            !MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
        )
        {
            var name = CatalogFileNames.Canonical(file);
            return name is null
                    ? Refuse(
                        400,
                        file is null
                            ? "send a multipart form of catalog files, or one file with ?file=NAME"
                            : CatalogFileNames.Unknown(file)
                    )
                : await BodyAsync(name, request.Body, limit, ct) is { } one ? new Read([one], 200, null)
                : TooLarge(name, limit);
        }

        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            return Refuse(400, "the multipart form has no boundary");
        }

        var reader = new MultipartReader(boundary, request.Body);
        var files = new List<CatalogFile>();
        try
        {
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
                {
                    return Refuse(400, "a part of the form has no Content-Disposition");
                }

                var given = disposition.FileName.HasValue ? disposition.FileName.Value! : disposition.Name.Value ?? "";
                if (!disposition.FileName.HasValue && disposition.Name.Value is "__RequestVerificationToken")
                {
                    continue; // the dashboard form's anti-forgery token, checked by the dashboard's own route
                }

                var name = CatalogFileNames.Canonical(given);
                if (name is null)
                {
                    return Refuse(400, CatalogFileNames.Unknown(given));
                }

                var body = await BodyAsync(name, section.Body, limit, ct);
                if (body is null)
                {
                    return TooLarge(name, limit);
                }

                files.Add(body);
            }
        }
        catch (IOException e)
        {
            return Refuse(400, $"the multipart form could not be read: {e.Message}");
        }

        return new Read(files, 200, null);
    }

    /// <summary>A file's bytes, or null when it is longer than <paramref name="limit"/> (reading stops there).</summary>
    public static async Task<CatalogFile?> BodyAsync(string name, Stream body, long limit, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return new CatalogFile(name, buffer.ToArray());
    }

    public static Read TooLarge(string name, long limit) =>
        Refuse(
            StatusCodes.Status413PayloadTooLarge,
            $"{name}: larger than the {limit >> 20} MiB a catalog file may be (--max-catalog-mb); nothing was stored"
        );

    private static Read Refuse(int status, string error) => new([], status, error);
}
