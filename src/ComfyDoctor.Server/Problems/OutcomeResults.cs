using Microsoft.AspNetCore.Http.HttpResults;

namespace ComfyDoctor.Server.Problems;

/// <summary>A service's <see cref="Outcome{T}"/> as an endpoint answers it.</summary>
public static class OutcomeResults
{
    /// <summary>200 with the value, or the refusal as its problem.</summary>
    public static Results<Ok<T>, ProblemHttpResult> OkOrProblem<T>(this Outcome<T> outcome) =>
        outcome.Refusal is { } refusal ? refusal.ToProblem() : TypedResults.Ok(outcome.Value!);
}
