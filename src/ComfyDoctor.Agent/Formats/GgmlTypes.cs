namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// Elements and bytes per block of the GGML tensor types (ggml.h <c>enum ggml_type</c>, ggml-common.h block structs).
/// 31–33 and 36–38 are the removed repacked Q4_0/IQ4_NL variants (same blocks as their base types); ids above 39 are
/// newer than this table and are not sized.
/// </summary>
internal static class GgmlTypes
{
    public readonly record struct Block(ulong Elements, ulong Bytes);

    private static readonly Dictionary<uint, Block> Blocks = new()
    {
        [0] = new(1, 4),
        [1] = new(1, 2),
        [2] = new(32, 18),
        [3] = new(32, 20),
        [6] = new(32, 22),
        [7] = new(32, 24),
        [8] = new(32, 34),
        [9] = new(32, 36),
        [10] = new(256, 84),
        [11] = new(256, 110),
        [12] = new(256, 144),
        [13] = new(256, 176),
        [14] = new(256, 210),
        [15] = new(256, 292),
        [16] = new(256, 66),
        [17] = new(256, 74),
        [18] = new(256, 98),
        [19] = new(256, 50),
        [20] = new(32, 18),
        [21] = new(256, 110),
        [22] = new(256, 82),
        [23] = new(256, 136),
        [24] = new(1, 1),
        [25] = new(1, 2),
        [26] = new(1, 4),
        [27] = new(1, 8),
        [28] = new(1, 8),
        [29] = new(256, 56),
        [30] = new(1, 2),
        [31] = new(32, 18),
        [32] = new(32, 18),
        [33] = new(32, 18),
        [34] = new(256, 54),
        [35] = new(256, 66),
        [36] = new(32, 18),
        [37] = new(32, 18),
        [38] = new(32, 18),
        [39] = new(32, 17),
    };

    /// <summary>The block layout of <paramref name="type"/>, or null for a type this table does not know.</summary>
    public static Block? Find(uint type) => Blocks.TryGetValue(type, out var block) ? block : null;
}
