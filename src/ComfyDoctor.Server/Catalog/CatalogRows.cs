namespace ComfyDoctor.Server.Catalog;

/// <summary>One of ComfyUI-Manager's catalog files as last imported (migration 008): its text, where from, when, by whom.</summary>
public sealed class CatalogFileRow
{
    /// <summary>The file's canonical name: one of <see cref="CatalogFileNames.All"/>.</summary>
    public required string File { get; init; }
    public required string Content { get; set; }
    public required string Sha256 { get; set; }
    public long Bytes { get; set; }

    /// <summary>"api", "dashboard", "cli" or the refreshed folder or URL.</summary>
    public required string Source { get; set; }
    public long ImportedAt { get; set; }
    public required string ImportedBy { get; set; }

    /// <summary>The validators of a URL source's last 200 answer, sent back as If-None-Match / If-Modified-Since.</summary>
    public string? Etag { get; set; }
    public string? LastModified { get; set; }
}

/// <summary>The catalog's one state row: a version every change bumps, the admin's pins, the last refresh's outcome.</summary>
public sealed class CatalogStateRow
{
    public const string CurrentId = "current";

    public required string Id { get; init; }
    public long Version { get; set; }

    /// <summary>The pins in the <c>--pins</c> JSON form: <c>{"packs": [{name, url, version?}], "nodes": {type: name}}</c>; "" for
    /// none.</summary>
    public required string PinsJson { get; set; }
    public long? PinsChangedAt { get; set; }
    public string? PinsChangedBy { get; set; }
    public long? RefreshedAt { get; set; }

    /// <summary>Why the last scheduled refresh failed (the last good catalog is kept); null when it succeeded.</summary>
    public string? RefreshError { get; set; }
}
