namespace ComfyDoctor.Agent.Formats;

/// <summary>Bytes per block and elements per block of the GGML tensor types (ggml.h / ggml.c type traits).</summary>
internal static class GgmlTypes
{
    private static readonly Dictionary<uint, (ulong BlockElements, ulong BlockBytes)> Traits = new()
    {
        [0] = (1, 4), [1] = (1, 2), [2] = (32, 18), [3] = (32, 20), [6] = (32, 22), [7] = (32, 24), [8] = (32, 34), [9] = (32, 36),
        [10] = (256, 84), [11] = (256, 110), [12] = (256, 144), [13] = (256, 176), [14] = (256, 210), [15] = (256, 292),
        [16] = (256, 66), [17] = (256, 74), [18] = (256, 98), [19] = (256, 50), [20] = (32, 18), [21] = (256, 110),
        [22] = (256, 82), [23] = (256, 136), [24] = (1, 1), [25] = (1, 2), [26] = (1, 4), [27] = (1, 8), [28] = (1, 8),
        [29] = (256, 56), [30] = (1, 2), [34] = (256, 54), [35] = (256, 66), [39] = (32, 17),
    };

    /// <summary>The data size of a tensor, or null for a type this table does not know (its size is then not checked).</summary>
    public static ulong? Bytes(uint type, ulong elements) =>
        Traits.TryGetValue(type, out var t) ? checked((elements + t.BlockElements - 1) / t.BlockElements * t.BlockBytes) : null;
}
