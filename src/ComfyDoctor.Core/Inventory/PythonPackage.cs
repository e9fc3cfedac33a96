namespace ComfyDoctor.Core.Inventory;

/// <summary>One distribution installed in ComfyUI's interpreter, as <c>importlib.metadata</c> and its
/// <c>direct_url.json</c> describe it (issue 19.1).</summary>
/// <param name="Name">The distribution name, normalised as PEP 503 does (lower case, runs of <c>-_.</c> as <c>-</c>).</param>
/// <param name="Version">The installed version, e.g. <c>2.5.1+cu124</c>.</param>
/// <param name="Installer">How it came: <see cref="PythonInstallKinds"/>.</param>
/// <param name="Url">For an editable or URL install: where it came from (credentials removed); null otherwise.</param>
public sealed record PythonPackage(string Name, string Version, string Installer, string? Url);

/// <summary>How a distribution was installed.</summary>
public static class PythonInstallKinds
{
    public const string Wheel = "wheel";
    public const string Editable = "editable";
    public const string Url = "url";
}

/// <summary>The ComfyUI checkout a worker runs (issue 19.1).</summary>
/// <param name="Commit">HEAD of the ComfyUI folder's git checkout; null when it is not a checkout.</param>
/// <param name="Dirty">Tracked files changed against HEAD; null when unknown.</param>
/// <param name="Version">comfyui_version.py's <c>__version__</c> (or the tag at HEAD); null when unknown.</param>
public sealed record ComfyUiCheckout(string? Commit, bool? Dirty, string? Version);
