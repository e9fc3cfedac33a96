using ComfyDoctor.Core.Models;

namespace ComfyDoctor.Core.Workflows;

/// <summary>
/// Turns input and widget values into <see cref="ModelReference"/>s: by input name when it is a known loader input,
/// otherwise any string that ends in a model extension. The folder key comes from the node's
/// <c>properties.models[].directory</c> for that file, else the input name, else <c>unknown</c>. Values that would
/// leave the model folder (<c>..</c>, absolute paths, drive letters) become <see cref="WorkflowError"/>s.
/// One reference per identity; later sightings add a missing URL or hash.
/// </summary>
internal sealed class ModelReferenceCollector
{
    public const string UnknownFolder = "unknown";

    private readonly List<ModelReference> references = [];
    private readonly Dictionary<string, int> byIdentity = new(StringComparer.OrdinalIgnoreCase);

    public List<WorkflowError> Errors { get; } = [];

    public IReadOnlyList<ModelReference> References => references;

    /// <summary>A value stored under an input (API shape) or a widget name (UI shape).</summary>
    public void AddValue(
        string nodeId,
        string nodeType,
        string? inputName,
        string value,
        IReadOnlyList<ModelHint> hints,
        ModelReferenceSource source
    )
    {
        var trimmed = value.Trim();
        if (
            trimmed.Length == 0
            || trimmed.Length > ModelIdentity.MaxLength
            || trimmed.Contains("://", StringComparison.Ordinal)
            || trimmed.Any(char.IsControl)
            || string.Equals(trimmed, "None", StringComparison.OrdinalIgnoreCase)
        )
        {
            return;
        }

        var byName = inputName is null ? null : LoaderInputs.FolderFor(nodeType, inputName);
        if (byName is null && !ModelFolders.IsModelFile(trimmed))
        {
            return;
        }

        var path = trimmed.Replace('\\', '/');
        var hint = hints.FirstOrDefault(h => string.Equals(h.Name.Replace('\\', '/'), path, StringComparison.Ordinal));
        var folder = hint?.Directory is { Length: > 0 } directory ? directory : byName ?? UnknownFolder;
        Add(nodeId, nodeType, folder, path, hint?.Url, Sha256Of(hint), source, inputName);
    }

    /// <summary>An entry of <c>properties.models[]</c>.</summary>
    public void AddHint(string nodeId, string nodeType, ModelHint hint) =>
        Add(
            nodeId,
            nodeType,
            hint.Directory is { Length: > 0 } d ? d : UnknownFolder,
            hint.Name.Trim().Replace('\\', '/'),
            hint.Url,
            Sha256Of(hint),
            ModelReferenceSource.Properties,
            "properties.models"
        );

    private void Add(
        string nodeId,
        string nodeType,
        string folder,
        string path,
        string? url,
        string? sha,
        ModelReferenceSource source,
        string? where
    )
    {
        if (path.StartsWith('/') || (path.Length >= 2 && path[1] == ':' && char.IsAsciiLetter(path[0])))
        {
            Errors.Add(
                new WorkflowError(
                    nodeId,
                    nodeType,
                    $"model reference '{path}'{(where is null ? "" : $" in '{where}'")} refused: it is an absolute path; models "
                        + "are named relative to their folder"
                )
            );
            return;
        }

        if (
            !ModelIdentity.TryParse(
                ModelFolders.Canonical(folder.Trim().Replace('\\', '/').Trim('/')) + "/" + path,
                out var identity,
                out var problem
            )
        )
        {
            var origin = where is null ? "" : $" in '{where}'";
            Errors.Add(new WorkflowError(nodeId, nodeType, $"model reference '{path}'{origin} refused: {problem}"));
            return;
        }

        if (byIdentity.TryGetValue(identity.Value, out var index))
        {
            var known = references[index];
            references[index] = known with { Url = known.Url ?? url, Sha256 = known.Sha256 ?? sha };
            return;
        }

        byIdentity[identity.Value] = references.Count;
        references.Add(new ModelReference(identity.Value, identity.FolderKey, identity.RelativePath, url, sha, nodeType, source));
    }

    private static string? Sha256Of(ModelHint? hint)
    {
        if (hint?.Hash is not { } hash)
        {
            return null;
        }

        var value = hash.Trim().ToLowerInvariant();
        var typeOk =
            hint.HashType is null
            || string.Equals(hint.HashType.Replace("-", "", StringComparison.Ordinal), "sha256", StringComparison.OrdinalIgnoreCase);
        return typeOk && value.Length == 64 && value.All(char.IsAsciiHexDigit) ? value : null;
    }
}
