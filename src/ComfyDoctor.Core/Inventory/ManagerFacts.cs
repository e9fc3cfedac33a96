namespace ComfyDoctor.Core.Inventory;

/// <summary>
/// What ComfyUI-Manager leaves in and around a pack's folder: a registry (Comfy Registry) install's <c>.tracking</c>
/// file and <c>pyproject.toml</c> identity, the registry id it writes into a registry pack's git checkout
/// (<c>.git/.cnr-id</c>), and, for a pack it disabled, the version it wrote into the folder name
/// (<c>custom_nodes/.disabled/comfyui-kjnodes@1_0_5</c> → <c>1.0.5</c>).
/// </summary>
/// <param name="RegistryId">The registry id: <c>pyproject.toml</c>'s <c>[project] name</c> (lower case) of a registry install,
/// or the id in <c>.git/.cnr-id</c>; null when neither says.</param>
/// <param name="RegistryInstall">A <c>.tracking</c> file is there: installed from a registry zip, not cloned.</param>
/// <param name="Repository"><c>[project.urls] Repository</c> of <c>pyproject.toml</c>, normalised; null when absent.</param>
/// <param name="DisabledFolder">The pack lies in ComfyUI-Manager's <c>custom_nodes/.disabled/</c> folder (not a
/// <c>.disabled</c> suffix).</param>
/// <param name="DisabledVersion">The version in a disabled folder's name (<c>@1_0_5</c> → <c>1.0.5</c>,
/// <c>@nightly</c> → <c>nightly</c>).</param>
public sealed record ManagerFacts(
    string? RegistryId,
    bool RegistryInstall,
    string? Repository,
    bool DisabledFolder,
    string? DisabledVersion
);
