namespace ComfyDoctor.Core.Repair;

/// <summary>Where a verified copy of a model may come from, in the order sources are tried.</summary>
/// <param name="Kind">One of <see cref="ModelSourceKinds"/>.</param>
/// <param name="Name">What the admin calls it: the URL's host, the mirror's name, the worker's name.</param>
/// <param name="Location">An absolute http(s) or file URL; for a peer, the model's SHA-256 (peers serve blobs by hash only).</param>
public sealed record ModelSource(string Kind, string Name, string Location);

public static class ModelSourceKinds
{
    /// <summary>One of the registry entry's own URLs.</summary>
    public const string Url = "url";

    /// <summary>A configured mirror: an HTTP base URL or a folder (NFS mount), the identity appended.</summary>
    public const string Mirror = "mirror";

    /// <summary>Another worker holding a copy it has verified, addressed by SHA-256.</summary>
    public const string Peer = "peer";
}

/// <summary>A configured mirror: <paramref name="BaseLocation"/> is an http(s) or file URL ending in '/'.</summary>
public sealed record ModelMirror(string Name, string BaseLocation)
{
    /// <summary>The mirror's URL for a model identity: each path segment escaped, so an identity can never leave the base.</summary>
    public string LocationOf(string identity)
    {
        var baseLocation = BaseLocation.EndsWith('/') ? BaseLocation : BaseLocation + "/";
        return baseLocation + string.Join('/', identity.Split('/').Select(Uri.EscapeDataString));
    }

    /// <summary>Parses <c>NAME=URL|DIR</c> (or a bare URL or folder, named after itself); folders become file URLs.</summary>
    public static ModelMirror Parse(string text)
    {
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        var (name, where) =
            eq > 0 && !text[..eq].Contains(':', StringComparison.Ordinal) && !text[..eq].Contains('/', StringComparison.Ordinal)
                ? (text[..eq], text[(eq + 1)..])
                : (text, text);
        if (Uri.TryCreate(where, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "file")
        {
            return new ModelMirror(name, uri.AbsoluteUri.EndsWith('/') ? uri.AbsoluteUri : uri.AbsoluteUri + "/");
        }

        if (!Path.IsPathFullyQualified(where))
        {
            throw new FormatException($"model mirror '{text}': expected NAME=URL or NAME=/absolute/folder");
        }

        return new ModelMirror(name, new Uri(where.TrimEnd('/') + "/").AbsoluteUri);
    }
}

/// <summary>Another worker and the SHA-256s of the model files its latest scan hashed.</summary>
public sealed record PeerHoldings(string Worker, IReadOnlySet<string> Sha256s);
