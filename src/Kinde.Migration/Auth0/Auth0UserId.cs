namespace Kinde.Migration.Auth0;

/// <summary>An Auth0 <c>user_id</c> split into provider and provider-specific id.</summary>
/// <param name="Provider">The part before the first <c>|</c> (the strategy), or <see langword="null"/> when there is no <c>|</c>.</param>
/// <param name="Id">Everything after the first <c>|</c>; it may contain further <c>|</c> (<c>samlp|acme|E1</c> → <c>acme|E1</c>).</param>
public readonly record struct Auth0UserId(string? Provider, string Id)
{
    /// <summary>Splits <paramref name="userId"/> on its first <c>|</c> only.</summary>
    /// <param name="userId">An Auth0 user id.</param>
    /// <returns>The provider and the opaque remainder.</returns>
    public static Auth0UserId Parse(string userId)
    {
        ArgumentNullException.ThrowIfNull(userId);
        int bar = userId.IndexOf('|', StringComparison.Ordinal);
        return bar < 0 ? new Auth0UserId(null, userId) : new Auth0UserId(userId[..bar], userId[(bar + 1)..]);
    }

    /// <inheritdoc />
    public override string ToString() => Provider is null ? Id : Provider + "|" + Id;
}
