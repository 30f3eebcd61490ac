using Kinde.Migration.Target;

namespace Kinde.Migration.Mapping;

/// <summary>The outcome of mapping one user: a Kinde user, or the reasons it was rejected.</summary>
public sealed class MappingResult
{
    private MappingResult(KindeUser? user, IReadOnlyList<string> reasons)
    {
        User = user;
        RejectionReasons = reasons;
    }

    /// <summary>Gets the mapped user, or <see langword="null"/> when rejected.</summary>
    public KindeUser? User { get; }

    /// <summary>Gets why the user was rejected (empty when mapped).</summary>
    public IReadOnlyList<string> RejectionReasons { get; }

    /// <summary>Gets a value indicating whether the user was rejected.</summary>
    public bool IsRejected => User is null;

    /// <summary>Creates a successful result.</summary>
    /// <param name="user">The mapped user.</param>
    /// <returns>The result.</returns>
    public static MappingResult Success(KindeUser user) => new(user ?? throw new ArgumentNullException(nameof(user)), []);

    /// <summary>Creates a rejection.</summary>
    /// <param name="reasons">Why; each a sentence a person can act on, without passwords or secrets.</param>
    /// <returns>The result.</returns>
    public static MappingResult Reject(params string[] reasons)
    {
        ArgumentNullException.ThrowIfNull(reasons);
        if (reasons.Length == 0)
        {
            throw new ArgumentException("A rejection needs at least one reason.", nameof(reasons));
        }

        return new(null, reasons);
    }
}
