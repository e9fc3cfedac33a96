using System.Text;

namespace ComfyDoctor.Core.Models;

/// <summary>
/// A model's identity: <c>&lt;folder key&gt;/&lt;relative path&gt;</c> with <c>/</c> separators. Parsing refuses
/// anything that could leave the model root once joined to it: <c>..</c>, absolute paths, drive letters, backslashes,
/// control characters, over-long names and strings that are not in Unicode normal form C.
/// </summary>
public sealed record ModelIdentity
{
    public const int MaxLength = 1024;
    public const int MaxSegmentLength = 255;

    private ModelIdentity(string folderKey, string relativePath)
    {
        FolderKey = folderKey;
        RelativePath = relativePath;
    }

    public string FolderKey { get; }

    /// <summary>Path below the folder root, <c>/</c>-separated, never empty, never escaping.</summary>
    public string RelativePath { get; }

    public string Value => FolderKey + "/" + RelativePath;

    public override string ToString() => Value;

    public static ModelIdentity Parse(string value) =>
        TryParse(value, out var identity, out var error) ? identity : throw new FormatException(error);

    public static bool TryParse(string? value, out ModelIdentity identity, out string error)
    {
        identity = null!;
        error = Validate(value);
        if (error.Length > 0)
        {
            return false;
        }

        var slash = value!.IndexOf('/', StringComparison.Ordinal);
        identity = new ModelIdentity(ModelFolders.Canonical(value[..slash]), value[(slash + 1)..]);
        return true;
    }

    /// <summary>Builds an identity from a folder key and a path relative to one of its roots (any separators).</summary>
    public static ModelIdentity FromRelative(string folderKey, string relativePath) =>
        Parse(ModelFolders.Canonical(folderKey) + "/" + relativePath.Replace('\\', '/'));

    private static string Validate(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "identity is empty";
        }

        if (value.Length > MaxLength)
        {
            return $"identity is {value.Length} characters long (at most {MaxLength})";
        }

        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                return $"identity '{Printable(value)}' contains a control character (U+{(int)c:X4})";
            }
        }

        if (value.Contains('\\', StringComparison.Ordinal))
        {
            return $"identity '{value}' contains a backslash; use '/'";
        }

        if (value.StartsWith('/') || (value.Length >= 2 && value[1] == ':' && char.IsAsciiLetter(value[0])))
        {
            return $"identity '{value}' is an absolute path; expected '<folder key>/<relative path>'";
        }

        if (!value.IsNormalized(NormalizationForm.FormC))
        {
            return $"identity '{value}' is not in Unicode normal form C";
        }

        var segments = value.Split('/');
        if (segments.Length < 2)
        {
            return $"identity '{value}' has no folder key; expected '<folder key>/<relative path>'";
        }

        if (!IsFolderKey(segments[0]))
        {
            return $"identity '{value}' starts with '{segments[0]}', which is not a folder key (letters, digits, '_', '-')";
        }

        foreach (var segment in segments)
        {
            var problem = segment switch
            {
                "" => "an empty path segment",
                "." or ".." => $"the segment '{segment}'",
                { Length: > MaxSegmentLength } => $"a segment longer than {MaxSegmentLength} characters",
                _ when segment.Contains(':', StringComparison.Ordinal) => "a ':' (drive letter or stream name)",
                _ => null,
            };
            if (problem is not null)
            {
                return $"identity '{value}' contains {problem}";
            }
        }

        return "";
    }

    private static bool IsFolderKey(string key) =>
        key.Length is > 0 and <= 64 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    private static string Printable(string value) => new(value.Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
