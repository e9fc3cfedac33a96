namespace ComfyDoctor.Core.NodeResolution;

/// <summary>
/// The names of the rules that decide between several packs (<see cref="NodeTypeResolution.Rule"/>), in the order the
/// chooser applies them. First the install set: <see cref="FewestPacks"/> — a pack that another node of the workflow
/// (or the fleet) needs anyway serves the copies it lists, so one pack fewer is installed. Then, for each node or
/// family, its original home: pinned, hinted, dedicated, not a fork, original (not a bundle), exact, stars, age, order.
/// </summary>
public static class ChoiceRules
{
    public const string FewestPacks = "fewest-packs";
    public const string Pinned = "pinned";
    public const string Hinted = "hinted";
    public const string Dedicated = "dedicated";
    public const string NotFork = "not-fork";
    public const string Original = "original";
    public const string Exact = "exact";
    public const string Stars = "stars";
    public const string Age = "age";
    public const string Order = "order";
}
