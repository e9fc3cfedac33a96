namespace ComfyDoctor.Agent.Installing;

/// <summary>What an install may do. Set by the admin; a workflow never widens it.</summary>
/// <param name="AllowedUrlPrefixes">Repository URL prefixes any pack may come from (e.g. <c>https://github.com/my-org/</c>);
/// matched on whole path segments, ignoring case.</param>
/// <param name="CatalogUrls">Repository URLs from the imported catalog and the pins file.</param>
/// <param name="AllowUnlisted">Install repositories that are neither in the catalog nor under an allowed prefix.</param>
/// <param name="AllowInstallScripts">Run a pack's <c>install.py</c>. When false, a pack that has one is skipped by policy
/// (before anything is installed): a pack whose set-up script did not run is not a working pack.</param>
/// <param name="PipArgs">Extra pip options from the admin, e.g. <c>--no-index --find-links /srv/wheels</c>.</param>
/// <param name="Mirrors">URL prefix rewrites applied before cloning, like git's <c>url.X.insteadOf</c>.</param>
/// <param name="DeniedRequirements">Known-compromised releases, <c>name==version</c>: a requirements file that pins
/// one is refused, and every install is constrained away from them.</param>
/// <param name="InstallScriptTimeout">How long <c>install.py</c> may run.</param>
/// <param name="AllowDirectReferences">Accept requirement lines that name a URL, a VCS or a local path
/// (<c>pkg @ https://…</c>, <c>git+https://…</c>). Off by default: those bypass the admin's index.</param>
/// <param name="PipTimeout">How long one pip command may run.</param>
public sealed record InstallPolicy(
    IReadOnlyList<string> AllowedUrlPrefixes,
    IReadOnlySet<string> CatalogUrls,
    bool AllowUnlisted,
    bool AllowInstallScripts,
    IReadOnlyList<string> PipArgs,
    IReadOnlyList<GitMirror> Mirrors,
    IReadOnlySet<string> DeniedRequirements,
    TimeSpan InstallScriptTimeout,
    bool AllowDirectReferences = false,
    TimeSpan? PipTimeout = null
)
{
    /// <summary>Releases of ultralytics that shipped a crypto miner (December 2024).</summary>
    public static IReadOnlySet<string> DefaultDeniedRequirements { get; } =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "ultralytics==8.3.41",
            "ultralytics==8.3.42",
            "ultralytics==8.3.45",
            "ultralytics==8.3.46",
        };

    /// <summary>Packages a node pack must never replace: pinned to their installed versions during every install.</summary>
    public static IReadOnlyList<string> ProtectedPackages { get; } =
    ["torch", "torchvision", "torchaudio", "torchsde", "xformers", "numpy"];

    /// <summary>Catalog packs only, install scripts allowed (10 minutes), the default deny list, no mirrors.</summary>
    public static InstallPolicy CatalogOnly(IEnumerable<string> catalogUrls) =>
        new(
            [],
            new HashSet<string>(catalogUrls, StringComparer.OrdinalIgnoreCase),
            false,
            true,
            [],
            [],
            DefaultDeniedRequirements,
            TimeSpan.FromMinutes(10)
        );

    /// <summary>Strict pins: a semver pin that was never tagged or released fails instead of taking the nearest older
    /// release (<see cref="Core.Nodes.NearestRelease"/>).</summary>
    public bool StrictPins { get; init; }

    public TimeSpan EffectivePipTimeout => PipTimeout ?? TimeSpan.FromMinutes(30);
}
