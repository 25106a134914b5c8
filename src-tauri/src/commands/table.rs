// The panel's commands, each declared once: its module, its name, and who
// may call it. lib.rs turns this into the handler list, the role guard and
// `COMMANDS`; build.rs into the app manifest; tests/command_bindings.rs
// generates their TypeScript (ui/src/generated/commands.ts, through which
// ui/src/backend/tauri.ts calls them) from the functions' signatures; and
// tests/commands.rs holds the capability and tauri.ts to `COMMANDS`.
//
// Who may call:
//   Public   anyone (the seat, signing in, the window itself)
//   Signed   a signed-in operator of any role (交班, their own PIN)
//   Cashier  a signed-in operator who takes payments: 收款员 or 管理员
//   Polled   the same, without counting as activity (what the panel polls)
//   Admin    a signed-in administrator
//   AdminPolled  the same, without counting as activity
//   Finance  a signed-in 财务/信息科 or 管理员: the hospital's views (全院)
//   Setup    an administrator, or anyone while the configuration cannot be
//            used (the setup screen of a counter being installed)
//   Records  decided by the command from its tab: 设置 as Setup, 全院 as
//            Finance, the rest as Cashier
commands! {
    app::app_info => Public,
    app::status => Public,
    app::ui_ready => Public,
    app::open_records => Records,
    app::set_always_on_top => Public,
    cashier::face_auth => Cashier,
    cashier::qrcode => Cashier,
    cashier::cancel_face_auth => Cashier,
    cashier::fetch_identity => Cashier,
    cashier::reveal_identity => Cashier,
    cashier::notify => Cashier,
    records::history => Cashier,
    records::visit_detail => Cashier,
    records::refund_draft => Cashier,
    records::refund => Cashier,
    records::resend => Cashier,
    records::summary => Cashier,
    records::close_day => Cashier,
    records::export => Cashier,
    records::pending => Cashier,
    records::resolve => Admin,
    settings::get_settings => Setup,
    settings::save_settings => Setup,
    settings::test_connection => Setup,
    bridge::bridge_info => AdminPolled,
    bridge::copy_bridge_token => Admin,
    bridge::rotate_bridge_token => Admin,
    bridge::his_activity => Polled,
    bridge::release_settlement => Cashier,
    access::seat => Public,
    access::sign_in => Public,
    access::create_first_admin => Public,
    access::lock => Public,
    access::unlock => Public,
    access::shift_summary => Signed,
    access::hand_over => Signed,
    access::change_pin => Signed,
    central::central_status => Finance,
    central::central_summary => Finance,
    central::central_differences => Finance,
    central::central_explain => Finance,
    central::central_person => Finance,
    central::central_report => Finance,
    central::central_export => Finance,
    access::list_operators => Admin,
    access::add_operator => Admin,
    access::update_operator => Admin,
    access::audit_log => Admin,
    access::purge => Admin,
}
