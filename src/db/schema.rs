// The schema shared by both backends (migrations/sqlite and migrations/postgres define the same
// tables). Written by hand to match the migrations; `tests/db_schema.rs` checks that every
// column here exists in a freshly migrated database of each kind.

diesel::table! {
    corporations (id) {
        id -> BigInt,
        name -> Text,
        kana -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    offices (id) {
        id -> BigInt,
        corporation_id -> BigInt,
        office_number -> Text,
        service_type -> Text,
        name -> Text,
        kana -> Text,
        postcode -> Text,
        address -> Text,
        phone -> Text,
        fax -> Text,
        area_grade -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    partners (id) {
        id -> BigInt,
        corporation_id -> BigInt,
        office_number -> Text,
        service_type -> Text,
        name -> Text,
        kana -> Text,
        postcode -> Text,
        address -> Text,
        phone -> Text,
        fax -> Text,
        exchange_enabled -> Bool,
        csv_version -> Text,
        note -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        area_grade -> Text,
    }
}

diesel::table! {
    staff (id) {
        id -> BigInt,
        corporation_id -> BigInt,
        code -> Text,
        name -> Text,
        kana -> Text,
        kana_row -> Text,
        gender -> Text,
        login_id -> Text,
        password_hash -> Text,
        login_enabled -> Bool,
        is_manager -> Bool,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        password_changed_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    memberships (staff_id, office_id) {
        staff_id -> BigInt,
        office_id -> BigInt,
        is_primary -> Bool,
    }
}

diesel::table! {
    permissions (staff_id, office_id, menu) {
        staff_id -> BigInt,
        office_id -> BigInt,
        menu -> Text,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        staff_id -> BigInt,
        office_id -> BigInt,
        csrf_token -> Text,
        client_addr -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> BigInt,
        login_id -> Text,
        client_addr -> Text,
        succeeded -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        corporation_id -> Nullable<BigInt>,
        office_id -> Nullable<BigInt>,
        staff_id -> Nullable<BigInt>,
        login_id -> Text,
        action -> Text,
        detail -> Text,
        client_addr -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    jobs (id) {
        id -> BigInt,
        corporation_id -> BigInt,
        office_id -> BigInt,
        created_by -> Nullable<BigInt>,
        kind -> Text,
        title -> Text,
        payload -> Text,
        status -> Text,
        progress_done -> Integer,
        progress_total -> Integer,
        attempts -> Integer,
        max_attempts -> Integer,
        run_after -> Timestamp,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<Timestamp>,
        error -> Nullable<Text>,
        result_summary -> Nullable<Text>,
        created_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    artifacts (id) {
        id -> BigInt,
        corporation_id -> BigInt,
        office_id -> BigInt,
        job_id -> Nullable<BigInt>,
        file_name -> Text,
        content_type -> Text,
        sha256 -> Text,
        size_bytes -> BigInt,
        data -> Binary,
        created_at -> Timestamp,
        purged_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    recipients (id) {
        id -> BigInt,
        corporation_id -> BigInt,
        code -> Text,
        name -> Text,
        kana -> Text,
        kana_row -> Text,
        gender -> Text,
        birth_date -> Nullable<Date>,
        postcode -> Text,
        address -> Text,
        phone -> Text,
        insurer_number -> Text,
        insurer_name -> Text,
        insured_number -> Text,
        care_office_id -> Nullable<BigInt>,
        care_manager_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        burden_ratio -> Integer,
        care_partner_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    certifications (id) {
        id -> BigInt,
        recipient_id -> BigInt,
        status -> Text,
        care_level -> Text,
        certified_on -> Nullable<Date>,
        valid_from -> Date,
        valid_to -> Date,
        limit_units -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    recipient_providers (id) {
        id -> BigInt,
        recipient_id -> BigInt,
        office_id -> Nullable<BigInt>,
        partner_id -> Nullable<BigInt>,
        service_type -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    care_plans (id) {
        id -> BigInt,
        corporation_id -> BigInt,
        recipient_id -> BigInt,
        office_id -> BigInt,
        plan_date -> Date,
        document_date -> Date,
        first_plan_date -> Date,
        plan_category -> Text,
        cert_status -> Text,
        certified_on -> Nullable<Date>,
        cert_from -> Nullable<Date>,
        cert_to -> Nullable<Date>,
        care_level -> Text,
        author_name -> Text,
        intentions -> Text,
        board_opinion -> Text,
        policy -> Text,
        livelihood_reason -> Text,
        livelihood_other -> Text,
        table2_date -> Nullable<Date>,
        table3_date -> Nullable<Date>,
        weekly_other -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    care_plan_lines (id) {
        id -> BigInt,
        plan_id -> BigInt,
        need_no -> Integer,
        need -> Text,
        goal_no -> Integer,
        long_goal -> Text,
        long_period -> Text,
        short_goal -> Text,
        short_period -> Text,
        item_no -> Integer,
        content -> Text,
        insured -> Text,
        service_kind -> Text,
        provider_number -> Text,
        provider_name -> Text,
        frequency -> Text,
        period -> Text,
    }
}

diesel::table! {
    care_plan_weekly (id) {
        id -> BigInt,
        plan_id -> BigInt,
        kind -> Text,
        name -> Text,
        weekday -> Nullable<Integer>,
        start_time -> Text,
        end_time -> Text,
        position -> Integer,
    }
}

diesel::table! {
    service_codes (id) {
        id -> BigInt,
        corporation_id -> Nullable<BigInt>,
        code -> Text,
        name -> Text,
        units -> Integer,
        unit_basis -> Text,
        limit_target -> Bool,
        kind -> Text,
        rate_permille -> Nullable<Integer>,
        valid_from -> Nullable<Date>,
        valid_to -> Nullable<Date>,
        verified -> Text,
        source -> Text,
    }
}

diesel::table! {
    schedule_lines (id) {
        id -> BigInt,
        corporation_id -> BigInt,
        recipient_id -> BigInt,
        month -> Text,
        position -> Integer,
        provider_number -> Text,
        provider_type -> Text,
        provider_name -> Text,
        satellite -> Text,
        service_code -> Text,
        service_name -> Text,
        units -> Integer,
        start_time -> Text,
        end_time -> Text,
        tais_code -> Text,
        notification_code -> Text,
        equipment_name -> Text,
        line_no -> Text,
        per_diem_mask -> Text,
        over_30 -> Text,
        short_stay_days -> Nullable<Integer>,
        over_limit_units -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    schedule_days (line_id, day) {
        line_id -> BigInt,
        day -> Integer,
        plan_count -> Integer,
        actual_count -> Integer,
        actual_start -> Nullable<Text>,
        actual_end -> Nullable<Text>,
    }
}

diesel::table! {
    schedule_locks (recipient_id, month, provider_number, provider_type) {
        recipient_id -> BigInt,
        month -> Text,
        provider_number -> Text,
        provider_type -> Text,
        locked_by -> Nullable<BigInt>,
        locked_at -> Timestamp,
    }
}

diesel::table! {
    export_history (id) {
        id -> BigInt,
        corporation_id -> BigInt,
        office_id -> BigInt,
        recipient_id -> BigInt,
        data_kind -> Text,
        is_delete -> Bool,
        month -> Text,
        plan_date -> Nullable<Date>,
        receiver_number -> Text,
        receiver_type -> Text,
        csv_version -> Text,
        file_timestamp -> Text,
        file_names -> Text,
        file_hashes -> Text,
        content_hash -> Text,
        cert_hash -> Text,
        job_id -> Nullable<BigInt>,
        staff_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    staff_preferences (staff_id, name) {
        staff_id -> BigInt,
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    received_files (id) {
        id -> BigInt,
        corporation_id -> BigInt,
        office_id -> BigInt,
        uploaded_by -> Nullable<BigInt>,
        uploaded_at -> Timestamp,
        source_name -> Text,
        file_name -> Text,
        sha256 -> Text,
        size_bytes -> BigInt,
        data -> Binary,
        kind -> Text,
        csv_version -> Text,
        sender_number -> Text,
        sender_type -> Text,
        receiver_number -> Text,
        receiver_type -> Text,
        month -> Text,
        file_timestamp -> Text,
        records -> Integer,
        errors -> Integer,
        warnings -> Integer,
        verdict -> Text,
        messages -> Text,
        set_messages -> Text,
        status -> Text,
        applied_at -> Nullable<Timestamp>,
        purged_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    import_history (id) {
        id -> BigInt,
        corporation_id -> BigInt,
        office_id -> BigInt,
        recipient_id -> BigInt,
        month -> Text,
        side -> Text,
        sender_number -> Text,
        sender_type -> Text,
        file_timestamp -> Text,
        summary -> Text,
        applied_by -> Nullable<BigInt>,
        applied_at -> Timestamp,
    }
}

diesel::joinable!(offices -> corporations (corporation_id));
diesel::joinable!(memberships -> offices (office_id));
diesel::joinable!(memberships -> staff (staff_id));
diesel::joinable!(jobs -> staff (created_by));
diesel::joinable!(export_history -> staff (staff_id));
diesel::joinable!(received_files -> staff (uploaded_by));

diesel::allow_tables_to_appear_in_same_query!(
    corporations,
    offices,
    partners,
    staff,
    memberships,
    permissions,
    sessions,
    login_attempts,
    audit_log,
    jobs,
    artifacts,
    recipients,
    certifications,
    recipient_providers,
    care_plans,
    care_plan_lines,
    care_plan_weekly,
    service_codes,
    schedule_lines,
    schedule_days,
    schedule_locks,
    export_history,
    staff_preferences,
    received_files,
    import_history,
);
