namespace Kinde.Migration.Importing;

/// <summary>Kinde lacks organizations, roles, permissions or property definitions the users need, and preflight was
/// not allowed to create them (<see cref="KindeApiImportOptions.CreateMissingDefinitions"/>). No user was touched.</summary>
public sealed class KindePreflightException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="KindePreflightException"/> class.</summary>
    public KindePreflightException()
        : this(new PreflightMissing([], [], [], [], false))
    {
    }

    /// <summary>Initializes a new instance of the <see cref="KindePreflightException"/> class with a message.</summary>
    /// <param name="message">The message.</param>
    public KindePreflightException(string message)
        : base(message)
    {
        Missing = new PreflightMissing([], [], [], [], false);
    }

    /// <summary>Initializes a new instance of the <see cref="KindePreflightException"/> class with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public KindePreflightException(string message, Exception innerException)
        : base(message, innerException)
    {
        Missing = new PreflightMissing([], [], [], [], false);
    }

    /// <summary>Initializes a new instance of the <see cref="KindePreflightException"/> class listing what is missing.</summary>
    /// <param name="missing">What Kinde lacks.</param>
    public KindePreflightException(PreflightMissing missing)
        : base(Describe(missing))
    {
        Missing = missing;
    }

    /// <summary>Gets what Kinde lacks.</summary>
    public PreflightMissing Missing { get; }

    private static string Describe(PreflightMissing missing)
    {
        var parts = new List<string>();
        if (missing.DefaultOrganization)
        {
            parts.Add("the default organization (Kinde lists none with is_default)");
        }

        Add("organizations (external ids)", missing.Organizations);
        Add("roles", missing.Roles);
        Add("permissions", missing.Permissions);
        Add("user properties", missing.Properties);
        return "Kinde lacks what the users need; no user was touched. Missing: " + string.Join("; ", parts)
            + ". Create them in Kinde, or allow preflight to create them (CreateMissingDefinitions).";

        void Add(string what, IReadOnlyList<string> keys)
        {
            if (keys.Count > 0)
            {
                parts.Add($"{keys.Count} {what}: {string.Join(", ", keys.Take(20))}{(keys.Count > 20 ? ", …" : "")}");
            }
        }
    }
}

/// <summary>What Kinde lacks for a run.</summary>
/// <param name="Organizations">Organization external ids with no organization.</param>
/// <param name="Roles">Role keys.</param>
/// <param name="Permissions">Permission keys.</param>
/// <param name="Properties">User property keys.</param>
/// <param name="DefaultOrganization">Whether users need the default organization and Kinde lists none.</param>
public sealed record PreflightMissing(
    IReadOnlyList<string> Organizations,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> Permissions,
    IReadOnlyList<string> Properties,
    bool DefaultOrganization)
{
    /// <summary>Gets a value indicating whether nothing is missing.</summary>
    public bool IsEmpty => !DefaultOrganization && Organizations.Count == 0 && Roles.Count == 0 && Permissions.Count == 0 && Properties.Count == 0;
}
