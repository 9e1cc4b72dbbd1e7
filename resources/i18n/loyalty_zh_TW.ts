<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_TW">
<context>
    <name>AnalyticsTab</name>
    <message>
        <location filename="../../ui/views/analytics.py" line="66" />
        <source>Refresh</source>
        <translation>重新整理</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="85" />
        <source>RFM segments (members)</source>
        <translation>RFM 分群（會員數）</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="88" />
        <source>Segment</source>
        <translation>分群</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="88" />
        <location filename="../../ui/views/analytics.py" line="99" />
        <location filename="../../ui/views/analytics.py" line="114" />
        <source>Members</source>
        <translation>會員人數</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="96" />
        <source>Lifecycle stages</source>
        <translation>生命週期階段</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="99" />
        <source>Stage</source>
        <translation>階段</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="99" />
        <source>Days</source>
        <translation>天數</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="101" />
        <source>Days since the last purchase; for a new member (no purchase yet), since enrolling.</source>
        <translation>天數自上次消費起算；新會員（尚未消費）自入會日起算。</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="110" />
        <source>Retention by enrolment month (bought again within 1 / 7 / 30 days)</source>
        <translation>依入會月份的留存率（1 / 7 / 30 天內再次消費）</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="114" />
        <source>Enrolled in</source>
        <translation>入會月份</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="119" />
        <source>Redemption and liability</source>
        <translation>點數兌換與負債</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="128" />
        <source>Redemption rate</source>
        <translation>點數兌換率</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="129" />
        <source>Stored value owed to members</source>
        <translation>會員儲值金餘額（負債）</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="130" />
        <source>Points held by members</source>
        <translation>會員持有點數</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="135" />
        <source>Champions</source>
        <translation>頂級顧客</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="135" />
        <source>Loyal</source>
        <translation>忠誠顧客</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="136" />
        <source>New customers</source>
        <translation>新顧客</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="136" />
        <source>Promising</source>
        <translation>潛力顧客</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="137" />
        <source>At risk</source>
        <translation>流失風險</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="137" />
        <source>Hibernating</source>
        <translation>沉睡顧客</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="138" />
        <source>Needs attention</source>
        <translation>需要關注</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="139" />
        <source>Never bought</source>
        <translation>尚未消費</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="143" />
        <source>New member</source>
        <translation>新會員</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="143" />
        <source>Active</source>
        <translation>活躍</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="144" />
        <source>Dormant</source>
        <translation>休眠</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="144" />
        <source>Churned</source>
        <translation>流失</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="162" />
        <source>Computing…</source>
        <translation>計算中…</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="181" />
        <source>{members} members, as of {when} (this terminal's journal)</source>
        <translation>共 {members} 位會員，統計至 {when}（本機帳本）</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="197" />
        <source>{rate} ({redeemed} of {issued} points issued)</source>
        <translation>{rate}（已發出 {issued} 點，兌換 {redeemed} 點）</translation>
    </message>
    <message>
        <location filename="../../ui/views/analytics.py" line="202" />
        <source>{points} points (worth {value})</source>
        <translation>{points} 點（價值 {value}）</translation>
    </message>
</context>
<context>
    <name>AppSetupPanel</name>
    <message>
        <location filename="../../ui/widgets/member_code.py" line="142" />
        <source>Ask the member to scan this with the shop's app: the app then shows the member's phone code. Do not print or photograph it.</source>
        <translation>請會員用本店 App 掃描這個條碼，App 之後就會顯示會員的手機條碼。請勿列印或拍照。</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_code.py" line="149" />
        <source>Done (Enter)</source>
        <translation>完成（Enter）</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_code.py" line="159" />
        <source>Phone app for {name}</source>
        <translation>{name} 的手機 App 設定</translation>
    </message>
</context>
<context>
    <name>CharityTab</name>
    <message>
        <location filename="../../ui/views/charity_report.py" line="29" />
        <source>Refresh</source>
        <translation>重新整理</translation>
    </message>
    <message>
        <location filename="../../ui/views/charity_report.py" line="36" />
        <source>Charity</source>
        <translation>公益團體</translation>
    </message>
    <message>
        <location filename="../../ui/views/charity_report.py" line="36" />
        <source>Pledged by the shop</source>
        <translation>店家捐贈金額</translation>
    </message>
    <message>
        <location filename="../../ui/views/charity_report.py" line="37" />
        <source>Points given by members</source>
        <translation>會員捐出點數</translation>
    </message>
    <message>
        <location filename="../../ui/views/charity_report.py" line="39" />
        <source>This terminal's sales; the server's report covers every till.</source>
        <translation>僅含本機的消費；伺服器的報表涵蓋所有收銀機。</translation>
    </message>
    <message>
        <location filename="../../ui/views/charity_report.py" line="62" />
        <source>Pledged {pledged} and {points} points in all.</source>
        <translation>合計捐贈 {pledged} 及 {points} 點。</translation>
    </message>
    <message>
        <location filename="../../ui/views/charity_report.py" line="65" />
        <source>Nothing given to charity yet.</source>
        <translation>目前尚無公益捐贈。</translation>
    </message>
</context>
<context>
    <name>CheckoutView</name>
    <message>
        <location filename="../../ui/views/checkout.py" line="83" />
        <source>Scan or type a card number, then Enter (F1)</source>
        <translation>掃描或輸入會員卡號，再按 Enter（F1）</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="86" />
        <source>Find</source>
        <translation>查詢</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="97" />
        <source>Demo: scan this card</source>
        <translation>示範：掃描這張卡</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="104" />
        <source>Demo: show to the camera</source>
        <translation>示範：拿給相機掃描</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="99" />
        <source>Demo: phone code</source>
        <translation>示範：手機條碼</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="123" />
        <source>Amount (F2)</source>
        <translation>金額（F2）</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="136" />
        <source>Redeem points</source>
        <translation>點數折抵</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="143" />
        <source>Most</source>
        <translation>最多</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="146" />
        <source>Pay with stored value</source>
        <translation>儲值金扣款</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="153" />
        <source>All due</source>
        <translation>全額</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="166" />
        <source>Review sale (F5)</source>
        <translation>結帳確認（F5）</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="168" />
        <source>New member (F6)</source>
        <translation>新會員（F6）</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="170" />
        <source>Top up (F7)</source>
        <translation>加值（F7）</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="172" />
        <source>Reprint receipt (F8)</source>
        <translation>補印收據（F8）</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="174" />
        <source>Add stamp (F3)</source>
        <translation>蓋章（F3）</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="176" />
        <source>Redeem full stamp card (F4)</source>
        <translation>集點卡兌換（F4）</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="179" />
        <source>Void last (manager)</source>
        <translation>作廢上一筆（店長）</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="181" />
        <source>Manager (F9)</source>
        <translation>店長模式（F9）</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="183" />
        <source>Lock (F12)</source>
        <translation>鎖定（F12）</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="240" />
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="241" />
        <source>Mobile</source>
        <translation>手機</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="244" />
        <source>Review</source>
        <translation>確認內容</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="246" />
        <location filename="../../ui/views/checkout.py" line="273" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="269" />
        <source>Other amount</source>
        <translation>其他金額</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="271" />
        <source>Review top-up</source>
        <translation>確認加值</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="469" />
        <source>Amount {amount} from the POS {reference}</source>
        <translation>POS 傳來金額 {amount} {reference}</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="495" />
        <source>Scan the member's card first.</source>
        <translation>請先掃描會員卡。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="505" />
        <source>Enter the amount of the sale first.</source>
        <translation>請先輸入消費金額。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="517" />
        <source>Amount: {amount}</source>
        <translation>消費金額：{amount}</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="519" />
        <source>Redeem {points} points: −{discount}</source>
        <translation>折抵 {points} 點：−{discount}</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="522" />
        <source>{programme} ({rule}): −{discount}</source>
        <translation>{programme}（{rule}）：−{discount}</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="525" />
        <source>Paid with stored value: {amount}</source>
        <translation>儲值金扣款：{amount}</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="527" />
        <source>To pay by other tender: {amount}</source>
        <translation>其他付款方式應收：{amount}</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="529" />
        <source>Points earned: {points}</source>
        <translation>本次獲得點數：{points}</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="538" />
        <source>Sale for {name}</source>
        <translation>{name} 的結帳</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="558" />
        <source>Sign in first.</source>
        <translation>請先登入。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="583" />
        <source>Sale recorded: {amount}. {earned} points earned; balance {points} points, stored value {stored}.</source>
        <translation>結帳完成：{amount}。獲得 {earned} 點；點數餘額 {points} 點，儲值金餘額 {stored}。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="588" />
        <source>No printer: receipt not printed.</source>
        <translation>未設定印表機：收據未列印。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="625" />
        <source>A new member needs a name.</source>
        <translation>新會員需要填寫姓名。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="632" />
        <source>Name: {name}</source>
        <translation>姓名：{name}</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="633" />
        <source>Mobile: {phone}</source>
        <translation>手機：{phone}</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="634" />
        <source>Welcome bonus: {points} points</source>
        <translation>入會禮：{points} 點</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="636" />
        <source>Enrol a new member</source>
        <translation>加入新會員</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="661" />
        <source>Welcome, {name}: card {card}, {points} bonus points.</source>
        <translation>歡迎 {name}：會員卡號 {card}，贈送 {points} 點。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="684" />
        <source>Choose or type the top-up amount.</source>
        <translation>請選擇或輸入加值金額。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="687" />
        <source>Top up {amount} for {name}</source>
        <translation>為 {name} 加值 {amount}</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="689" />
        <source>Stored value: {before} → {after}</source>
        <translation>儲值金：{before} → {after}</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="691" />
        <source>Take {amount} from the customer first.</source>
        <translation>請先向顧客收取 {amount}。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="694" />
        <source>Top-ups need manager mode (F9).</source>
        <translation>加值需要店長模式（F9）。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="695" />
        <source>Top up stored value</source>
        <translation>儲值金加值</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="720" />
        <source>Topped up {amount}; stored value now {balance}.</source>
        <translation>已加值 {amount}；儲值金餘額 {balance}。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="744" />
        <source>{amount} off</source>
        <translation>折抵 {amount}</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="746" />
        <source>one product (code {code}): ring it up on the POS</source>
        <translation>兌換商品一份（代碼 {code}）：請在 POS 上結帳</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="748" />
        <source>E-voucher: {what}</source>
        <translation>電子票券：{what}</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="749" />
        <source>Valid until {date}; uses left after this one: {left}</source>
        <translation>有效期限至 {date}；本次使用後剩餘 {left} 次</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="752" />
        <source>Redeem e-voucher</source>
        <translation>兌換電子票券</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="781" />
        <source>E-voucher redeemed: {off} off; {due} left to pay.</source>
        <translation>電子票券已兌換：折抵 {off}；尚需支付 {due}。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="773" />
        <source>E-voucher redeemed: {off} off.</source>
        <translation>電子票券已兌換：折抵 {off}。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="810" />
        <source>Add 1 stamp for {name}</source>
        <translation>為 {name} 蓋 1 點</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="811" />
        <source>Stamps: {before} → {after} of {size}</source>
        <translation>集點：{before} → {after}（共 {size} 點）</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="813" />
        <source>Add stamp</source>
        <translation>蓋章</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="823" />
        <source>The card has {have} of {size} stamps: not full yet.</source>
        <translation>集點卡目前 {have} / {size} 點，尚未集滿。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="826" />
        <source>Exchange {size} stamps of {name} for: {reward}</source>
        <translation>以 {name} 的 {size} 點兌換：{reward}</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="828" />
        <source>Redeem stamp card</source>
        <translation>集點卡兌換</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="850" />
        <source>Card exchanged: give {reward}. {stamps} of {size} stamps now.</source>
        <translation>已兌換，請給予：{reward}。目前 {stamps} / {size} 點。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="854" />
        <source>Stamped: {stamps} of {size}.</source>
        <translation>已蓋章：{stamps} / {size} 點。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="861" />
        <source>Reprinting the last receipt.</source>
        <translation>正在補印上一張收據。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="863" />
        <source>There is no receipt to reprint (or no printer).</source>
        <translation>沒有可補印的收據（或未設定印表機）。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="868" />
        <source>No sale or top-up to void on this screen; use Manager → Void for older ones.</source>
        <translation>此畫面沒有可作廢的交易；較早的交易請到 店長模式 → 作廢。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="873" />
        <source>Void the last stamp(s) given.</source>
        <translation>作廢剛才蓋的章。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="874" />
        <source>The stamp card goes back to where it was.</source>
        <translation>集點卡恢復原狀。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="876" />
        <source>Void the last {kind} of {amount}.</source>
        <translation>作廢上一筆{kind}，金額 {amount}。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="877" />
        <source>sale</source>
        <translation>消費</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="877" />
        <source>top-up</source>
        <translation>加值</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="879" />
        <source>Points and stored value go back to where they were.</source>
        <translation>點數與儲值金將恢復為交易前的狀態。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="880" />
        <source>Void</source>
        <translation>作廢</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="895" />
        <source>Voided.</source>
        <translation>已作廢。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="629" />
        <source>A member's PIN is 4 to 12 digits (or leave it empty).</source>
        <translation>會員 PIN 碼為 4 到 12 位數字（或留空）。</translation>
    </message>
    <message>
        <location filename="../../ui/views/checkout.py" line="242" />
        <source>Member PIN (optional)</source>
        <translation>會員 PIN 碼（選填）</translation>
    </message>
</context>
<context>
    <name>ChoicePanel</name>
    <message>
        <location filename="../../ui/widgets/choice.py" line="31" />
        <source>Cancel (Esc)</source>
        <translation>取消 (Esc)</translation>
    </message>
</context>
<context>
    <name>ConfirmPanel</name>
    <message>
        <location filename="../../ui/widgets/confirm.py" line="31" />
        <source>Confirm (Enter)</source>
        <translation>確認（Enter）</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/confirm.py" line="34" />
        <source>Cancel (Esc)</source>
        <translation>取消（Esc）</translation>
    </message>
</context>
<context>
    <name>Keypad</name>
    <message>
        <location filename="../../ui/widgets/keypad.py" line="31" />
        <source>Clear</source>
        <translation>清除</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../ui/app.py" line="252" />
        <source>Preparing the demo shop…</source>
        <translation>正在準備示範商店…</translation>
    </message>
    <message>
        <location filename="../../ui/app.py" line="261" />
        <source>Demo shop: cashier {cashier} PIN {cashier_pin}, manager {manager} PIN {manager_pin}.</source>
        <translation>示範商店：收銀員 {cashier} PIN {cashier_pin}，店長 {manager} PIN {manager_pin}。</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="26" />
        <source>Loyalty terminal — {shop}</source>
        <translation>會員集點收銀機 — {shop}</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="108" />
        <source>Locked after {minutes} min without activity. Sign in again.</source>
        <translation>閒置 {minutes} 分鐘已自動鎖定，請重新登入。</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="112" />
        <source>Locked. Sign in again.</source>
        <translation>已鎖定，請重新登入。</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="120" />
        <source>Signed out</source>
        <translation>未登入</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="122" />
        <source>{name} (manager mode)</source>
        <translation>{name}（店長模式）</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="125" />
        <source>{name} (cashier)</source>
        <translation>{name}（收銀員）</translation>
    </message>
</context>
<context>
    <name>ManagerView</name>
    <message>
        <location filename="../../ui/views/manager.py" line="53" />
        <source>Manager mode</source>
        <translation>店長模式</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="56" />
        <source>Back to checkout (Esc)</source>
        <translation>返回結帳（Esc）</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="60" />
        <source>Leave manager mode</source>
        <translation>離開店長模式</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="69" />
        <source>End of day</source>
        <translation>日結報表</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="70" />
        <source>Liability</source>
        <translation>負債</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="71" />
        <location filename="../../ui/views/manager.py" line="263" />
        <source>Void / refund</source>
        <translation>作廢／退款</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="72" />
        <source>Devices</source>
        <translation>裝置</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="73" />
        <source>Sync</source>
        <translation>同步</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="75" />
        <source>Analytics</source>
        <translation>分析</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="77" />
        <source>Charity</source>
        <translation>公益捐贈</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="132" />
        <source>Refresh</source>
        <translation>重新整理</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="139" />
        <source>Cashier</source>
        <translation>收銀員</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="139" />
        <source>Sales</source>
        <translation>交易筆數</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="139" />
        <source>Sales amount</source>
        <translation>銷售金額</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="140" />
        <source>Points discount</source>
        <translation>點數折抵</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="140" />
        <source>Programme discounts</source>
        <translation>活動折扣</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="141" />
        <source>Stored value spent</source>
        <translation>儲值金消費</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="141" />
        <source>Other tender</source>
        <translation>其他付款</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="142" />
        <source>Points issued</source>
        <translation>發放點數</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="142" />
        <source>Points redeemed</source>
        <translation>兌換點數</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="142" />
        <source>Top-ups</source>
        <translation>加值筆數</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="143" />
        <source>Topped up</source>
        <translation>加值金額</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="143" />
        <source>Voids</source>
        <translation>作廢</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="143" />
        <source>Enrolments</source>
        <translation>新會員</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="150" />
        <source>End-of-day report for {day}</source>
        <translation>{day} 日結報表</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="157" />
        <source>Total</source>
        <translation>合計</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="179" />
        <source>Stored value owed to members</source>
        <translation>會員儲值金餘額（負債）</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="180" />
        <source>Points held by members</source>
        <translation>會員持有點數</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="181" />
        <source>Members</source>
        <translation>會員人數</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="182" />
        <source>Stored value is prepaid money: in Taiwan it must be covered by a bank trust guarantee.</source>
        <translation>儲值金屬於預收款項：在台灣須有銀行信託履約保證。</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="195" />
        <source>{points} points (worth {value})</source>
        <translation>{points} 點（價值 {value}）</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="204" />
        <source>Time</source>
        <translation>時間</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="204" />
        <location filename="../../ui/views/manager.py" line="287" />
        <source>Kind</source>
        <translation>類型</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="204" />
        <source>Member</source>
        <translation>會員</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="204" />
        <source>Amount</source>
        <translation>金額</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="205" />
        <source>Status</source>
        <translation>狀態</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="210" />
        <source>Reason (for the record)</source>
        <translation>原因（留存紀錄）</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="211" />
        <source>Review void / refund</source>
        <translation>確認作廢／退款</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="237" />
        <location filename="../../ui/views/manager.py" line="257" />
        <source>Sale</source>
        <translation>消費</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="237" />
        <location filename="../../ui/views/manager.py" line="257" />
        <source>Top-up</source>
        <translation>加值</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="240" />
        <source>voided</source>
        <translation>已作廢</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="247" />
        <source>Choose the sale or top-up to void.</source>
        <translation>請選擇要作廢的消費或加值。</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="251" />
        <source>That one is already voided.</source>
        <translation>這筆交易已經作廢。</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="256" />
        <source>{kind} of {amount} for {name}, {time}</source>
        <translation>{name} 的{kind} {amount}，{time}</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="261" />
        <source>Points and stored value go back to where they were.</source>
        <translation>點數與儲值金將恢復為交易前的狀態。</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="262" />
        <source>Reason: {reason}</source>
        <translation>原因：{reason}</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="278" />
        <source>Voided. {name}'s balances are restored.</source>
        <translation>已作廢，{name} 的餘額已恢復。</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="287" />
        <source>Device</source>
        <translation>裝置</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="287" />
        <source>State</source>
        <translation>狀態</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="287" />
        <source>Details</source>
        <translation>說明</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="289" />
        <source>Print a test receipt</source>
        <translation>列印測試收據</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="313" />
        <source>Test receipt sent to the printer.</source>
        <translation>測試收據已送至印表機。</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="315" />
        <source>No printer is set up ([devices.printer] in config.toml).</source>
        <translation>尚未設定印表機（config.toml 的 [devices.printer]）。</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="328" />
        <source>Connection</source>
        <translation>連線</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="329" />
        <source>Waiting to sync</source>
        <translation>待同步</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="330" />
        <source>Last sync</source>
        <translation>上次同步</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="332" />
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="338" />
        <source>Demo: the server is unreachable</source>
        <translation>示範：伺服器無法連線</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="342" />
        <source>Conflicts flagged by the server</source>
        <translation>伺服器標記的衝突</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="356" />
        <source>checking…</source>
        <translation>檢查中…</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="358" />
        <source>online</source>
        <translation>連線中</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="359" />
        <source>offline: {why}</source>
        <translation>離線：{why}</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="362" />
        <source>never</source>
        <translation>從未</translation>
    </message>
    <message>
        <location filename="../../ui/views/manager.py" line="369" />
        <source>None.</source>
        <translation>無。</translation>
    </message>
</context>
<context>
    <name>MemberActions</name>
    <message>
        <location filename="../../ui/widgets/member_actions.py" line="26" />
        <source>Check in</source>
        <translation>簽到</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_actions.py" line="28" />
        <source>Join / renew plan</source>
        <translation>加入／續約方案</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_actions.py" line="30" />
        <source>Charity</source>
        <translation>公益捐贈</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_actions.py" line="32" />
        <source>Member PIN</source>
        <translation>會員密碼</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_actions.py" line="52" />
        <source>Change member PIN</source>
        <translation>變更會員密碼</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_actions.py" line="53" />
        <source>Set member PIN</source>
        <translation>設定會員密碼</translation>
    </message>
</context>
<context>
    <name>MemberFlows</name>
    <message>
        <location filename="../../ui/views/member_flows.py" line="64" />
        <source>{points} points</source>
        <translation>{points} 點</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="66" />
        <source>{stamps} stamps</source>
        <translation>{stamps} 章</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="68" />
        <source>+{amount} cash-back</source>
        <translation>回饋金 +{amount}</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="71" />
        <source>+{amount} stored value</source>
        <translation>儲值金 +{amount}</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="86" />
        <source>Daily check-in</source>
        <translation>每日簽到</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="87" />
        <source>Check {name} in for today.</source>
        <translation>為 {name} 完成今日簽到。</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="88" />
        <source>The shop's check-in programme gives its reward once a day.</source>
        <translation>簽到獎勵每天只送一次。</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="103" />
        <source>Checked in {name}: {reward}. Balance {points} points.</source>
        <translation>{name} 已簽到：{reward}。點數餘額 {points} 點。</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="108" />
        <source>Hand over: {gifts}.</source>
        <translation>請交付：{gifts}。</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="115" />
        <source>membership</source>
        <translation>付費會員</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="116" />
        <source>subscription</source>
        <translation>權益訂閱</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="117" />
        <source>{name} ({kind}): {fee} for {days} days</source>
        <translation>{name}（{kind}）：{fee}，{days} 天</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="126" />
        <source>The shop's programmes offer no plan today.</source>
        <translation>本店今天沒有可加入的方案。</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="130" />
        <source>Join or renew a plan for {name}</source>
        <translation>為 {name} 加入或續約方案</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="139" />
        <source>Renewal: {days} more days after {date}.</source>
        <translation>續約：自 {date} 之後再延長 {days} 天。</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="142" />
        <source>Starts today, for {days} days.</source>
        <translation>今天生效，為期 {days} 天。</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="143" />
        <source>Take {amount} from the customer first (cash or card at the POS).</source>
        <translation>請先向顧客收取 {amount}（於 POS 以現金或刷卡支付）。</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="146" />
        <source>{plan} for {name}</source>
        <translation>{name} 的 {plan}</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="168" />
        <source>{plan} for {name}: valid until {date}; {fee} paid.</source>
        <translation>{name} 的 {plan}：有效至 {date}；已付 {fee}。</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="174" />
        <source>With it: {reward}.</source>
        <translation>同時獲得：{reward}。</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="176" />
        <source>No printer: receipt not printed.</source>
        <translation>沒有印表機：未列印收據。</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="185" />
        <source>the shop gives {percent}% of spend</source>
        <translation>店家捐出消費金額的 {percent}%</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="188" />
        <source>the member gives {percent}% of the points earned</source>
        <translation>會員捐出所得點數的 {percent}%</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="190" />
        <source>{charity}: {how}</source>
        <translation>{charity}：{how}</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="199" />
        <source>The shop's programmes have no charity to choose.</source>
        <translation>本店沒有可選擇的公益捐贈方案。</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="205" />
        <source>Stop giving to charity</source>
        <translation>停止公益捐贈</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="207" />
        <source>Charity for {name}: with every purchase</source>
        <translation>{name} 的公益捐贈：每次消費時捐出</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="216" />
        <source>{name} stops giving to charity with purchases.</source>
        <translation>{name} 今後消費時不再捐贈。</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="219" />
        <source>{name} gives to {charity} with every purchase from now on.</source>
        <translation>{name} 今後每次消費都捐給 {charity}。</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="221" />
        <source>Charity</source>
        <translation>公益捐贈</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="238" />
        <source>{name} now gives to {charity} with every purchase.</source>
        <translation>{name} 現在每次消費都捐給 {charity}。</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="240" />
        <source>{name} gives to no charity now.</source>
        <translation>{name} 目前沒有選擇公益捐贈。</translation>
    </message>
    <message>
        <location filename="../../ui/views/member_flows.py" line="266" />
        <source>The member PIN of {name} is saved.</source>
        <translation>{name} 的會員密碼已儲存。</translation>
    </message>
</context>
<context>
    <name>MemberPanel</name>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="34" />
        <source>Points</source>
        <translation>點數</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="35" />
        <source>Expiring soon</source>
        <translation>即將到期</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="36" />
        <source>Stored value</source>
        <translation>儲值金</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="37" />
        <source>Stamps</source>
        <translation>集點卡</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="45" />
        <source>Scan a member card or phone code,
or type the card number and press Enter.</source>
        <translation>請掃描會員卡或手機會員條碼，
或輸入會員卡號後按 Enter。</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="96" />
        <source>Card {card} · Phone {phone}</source>
        <translation>卡號 {card} · 手機 {phone}</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="102" />
        <source>{points} by {date}</source>
        <translation>{points} 點（{date} 到期）</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="134" />
        <source>{plan}: valid until {date}</source>
        <translation>{plan}：有效至 {date}</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="135" />
        <source>{plan}: expired on {date}</source>
        <translation>{plan}：已於 {date} 到期</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="139" />
        <source>Gives to {charity}</source>
        <translation>捐贈給 {charity}</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="143" />
        <source>Basic</source>
        <translation>一般會員</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="143" />
        <source>Silver</source>
        <translation>銀卡</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="144" />
        <source>Gold</source>
        <translation>金卡</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="144" />
        <source>Platinum</source>
        <translation>白金卡</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="147" />
        <source>New member</source>
        <translation>新會員</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="147" />
        <source>Active</source>
        <translation>活躍</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="148" />
        <source>Dormant</source>
        <translation>休眠</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="148" />
        <source>Churned</source>
        <translation>流失</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="152" />
        <source>Birthday this month: offer the birthday gift.</source>
        <translation>本月壽星：請提供生日禮。</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="155" />
        <source>{points} points expire on {date}: suggest redeeming them.</source>
        <translation>{points} 點將於 {date} 到期：建議顧客折抵使用。</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="158" />
        <source>New member without a purchase yet: mention the first-purchase offer.</source>
        <translation>尚未首次消費的新會員：請介紹首購優惠。</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="161" />
        <source>Dormant for {days} days: offer the wake-up voucher.</source>
        <translation>已休眠 {days} 天：請提供喚醒優惠券。</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="164" />
        <source>Benefit issued now: {what}</source>
        <translation>已發放本期權益：{what}</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="165" />
        <source>Not seen for {days} days: win them back.</source>
        <translation>已 {days} 天未來店：請設法喚回。</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_panel.py" line="94" />
        <source>Phone code</source>
        <translation>手機條碼</translation>
    </message>
</context>
<context>
    <name>MemberPinPanel</name>
    <message>
        <location filename="../../ui/widgets/member_code.py" line="108" />
        <source>A PIN is 4 to 12 digits.</source>
        <translation>PIN 碼為 4 到 12 位數字。</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_code.py" line="67" />
        <source>Cancel (Esc)</source>
        <translation>取消（Esc）</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_code.py" line="57" />
        <source>Member's PIN</source>
        <translation>會員 PIN 碼</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_code.py" line="65" />
        <source>Pay (Enter)</source>
        <translation>付款（Enter）</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/member_code.py" line="84" />
        <source>{name} pays {amount} with stored value: please key in the member's PIN.</source>
        <translation>{name} 以儲值金支付 {amount}：請會員輸入 PIN 碼。</translation>
    </message>
</context>
<context>
    <name>OfflineBanner</name>
    <message>
        <location filename="../../ui/widgets/status_bar.py" line="121" />
        <source>Offline: sales go on and are kept on this terminal; they sync when the connection is back. {count} waiting.</source>
        <translation>離線中：仍可照常結帳，交易暫存在本機，連線恢復後自動同步。待同步 {count} 筆。</translation>
    </message>
</context>
<context>
    <name>PinChangePanel</name>
    <message>
        <location filename="../../ui/widgets/pin_change.py" line="54" />
        <location filename="../../ui/widgets/pin_change.py" line="98" />
        <source>Next (Enter)</source>
        <translation>下一步 (Enter)</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/pin_change.py" line="57" />
        <source>Cancel (Esc)</source>
        <translation>取消 (Esc)</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/pin_change.py" line="80" />
        <source>Member PIN for {name}: the member keys it in.</source>
        <translation>{name} 的會員密碼：請會員親自輸入。</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/pin_change.py" line="95" />
        <source>Current PIN</source>
        <translation>目前的密碼</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/pin_change.py" line="95" />
        <source>New PIN (4 to 12 digits)</source>
        <translation>新密碼（4 到 12 位數字）</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/pin_change.py" line="96" />
        <source>New PIN again</source>
        <translation>再輸入一次新密碼</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/pin_change.py" line="97" />
        <source>Save (Enter)</source>
        <translation>儲存 (Enter)</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/pin_change.py" line="116" />
        <source>A PIN is 4 to 12 digits.</source>
        <translation>密碼為 4 到 12 位數字。</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/pin_change.py" line="127" />
        <source>The two new PINs differ: key in the new PIN again.</source>
        <translation>兩次輸入的新密碼不同：請重新輸入新密碼。</translation>
    </message>
</context>
<context>
    <name>PinView</name>
    <message>
        <location filename="../../ui/views/login.py" line="59" />
        <source>PIN</source>
        <translation>PIN 碼</translation>
    </message>
    <message>
        <location filename="../../ui/views/login.py" line="64" />
        <source>Sign in (Enter)</source>
        <translation>登入（Enter）</translation>
    </message>
    <message>
        <location filename="../../ui/views/login.py" line="72" />
        <source>Back to checkout (Esc)</source>
        <translation>返回結帳（Esc）</translation>
    </message>
    <message>
        <location filename="../../ui/views/login.py" line="95" />
        <source>Manager mode</source>
        <translation>店長模式</translation>
    </message>
    <message>
        <location filename="../../ui/views/login.py" line="96" />
        <source>A manager's PIN unlocks top-ups, voids, reports and device and sync settings.</source>
        <translation>輸入店長 PIN 碼以進行加值、作廢、報表及裝置與同步設定。</translation>
    </message>
    <message>
        <location filename="../../ui/views/login.py" line="100" />
        <source>Choose your name and enter your PIN.</source>
        <translation>請選擇您的名字並輸入 PIN 碼。</translation>
    </message>
    <message>
        <location filename="../../ui/views/login.py" line="119" />
        <source>Manager</source>
        <translation>店長</translation>
    </message>
    <message>
        <location filename="../../ui/views/login.py" line="119" />
        <source>Cashier</source>
        <translation>收銀員</translation>
    </message>
    <message>
        <location filename="../../ui/views/login.py" line="132" />
        <source>No staff on this terminal yet: run `loyalty init --manager NAME --manager-pin PIN`.</source>
        <translation>此收銀機尚無員工：請執行 `loyalty init --manager NAME --manager-pin PIN`。</translation>
    </message>
    <message>
        <location filename="../../ui/views/login.py" line="180" />
        <source>Choose your name first.</source>
        <translation>請先選擇您的名字。</translation>
    </message>
    <message>
        <location filename="../../ui/views/login.py" line="183" />
        <source>Enter your PIN.</source>
        <translation>請輸入 PIN 碼。</translation>
    </message>
    <message>
        <location filename="../../ui/views/login.py" line="187" />
        <source>Checking…</source>
        <translation>驗證中…</translation>
    </message>
</context>
<context>
    <name>TerminalStatusBar</name>
    <message>
        <location filename="../../ui/widgets/status_bar.py" line="116" />
        <source>retrying in {seconds} s</source>
        <translation>{seconds} 秒後重試</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/status_bar.py" line="117" />
        <source>retrying…</source>
        <translation>重試中…</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/status_bar.py" line="46" />
        <source>Scanner</source>
        <translation>掃描器</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/status_bar.py" line="46" />
        <source>Keyboard scanner</source>
        <translation>鍵盤式掃描器</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/status_bar.py" line="47" />
        <source>Camera</source>
        <translation>鏡頭</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/status_bar.py" line="47" />
        <source>Printer</source>
        <translation>印表機</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/status_bar.py" line="51" />
        <source>not set up</source>
        <translation>未設定</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/status_bar.py" line="53" />
        <source>starting</source>
        <translation>啟動中</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/status_bar.py" line="54" />
        <source>ready</source>
        <translation>就緒</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/status_bar.py" line="55" />
        <source>busy</source>
        <translation>忙碌</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/status_bar.py" line="56" />
        <source>missing</source>
        <translation>找不到</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/status_bar.py" line="57" />
        <source>disconnected</source>
        <translation>已中斷</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/status_bar.py" line="58" />
        <source>error</source>
        <translation>錯誤</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/status_bar.py" line="59" />
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/status_bar.py" line="83" />
        <source>Sync: checking…</source>
        <translation>同步：檢查中…</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/status_bar.py" line="87" />
        <source>● Online</source>
        <translation>● 連線中</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/status_bar.py" line="87" />
        <source>▲ Offline</source>
        <translation>▲ 離線</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/status_bar.py" line="92" />
        <source>{count} waiting to sync</source>
        <translation>待同步 {count} 筆</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/status_bar.py" line="93" />
        <source>Last sync {time}</source>
        <translation>上次同步 {time}</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/status_bar.py" line="94" />
        <source>never</source>
        <translation>從未</translation>
    </message>
    <message>
        <location filename="../../ui/widgets/status_bar.py" line="100" />
        <source>Working…</source>
        <translation>處理中…</translation>
    </message>
</context>
<context>
    <name>errors</name>
    <message>
        <location filename="../../ui/errors.py" line="38" />
        <source>That amount cannot be used.</source>
        <translation>此金額無法使用。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="39" />
        <source>That amount is over the limit.</source>
        <translation>金額超過上限。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="40" />
        <source>Please check what was entered.</source>
        <translation>請檢查輸入的內容。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="41" />
        <source>That code is not a member card.</source>
        <translation>這個條碼不是會員卡。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="42" />
        <source>No member found.</source>
        <translation>找不到會員。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="43" />
        <source>That member is already registered.</source>
        <translation>此會員已經註冊。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="44" />
        <source>Not enough balance.</source>
        <translation>餘額不足。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="45" />
        <source>A manager is needed for this.</source>
        <translation>此操作需要店長權限。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="46" />
        <source>Wrong PIN.</source>
        <translation>PIN 碼錯誤。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="47" />
        <source>This user is locked for a while.</source>
        <translation>此使用者已暫時鎖定。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="48" />
        <source>Unknown user.</source>
        <translation>查無此使用者。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="49" />
        <source>That transaction was not found.</source>
        <translation>找不到這筆交易。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="50" />
        <source>That transaction cannot be voided.</source>
        <translation>這筆交易無法作廢。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="51" />
        <source>Not allowed while the terminal is offline.</source>
        <translation>終端機離線時不允許此操作。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="52" />
        <source>This e-voucher cannot be used.</source>
        <translation>這張電子票券無法使用。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="53" />
        <source>This phone code cannot be used.</source>
        <translation>這個手機條碼無法使用。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="54" />
        <source>The member's PIN is needed.</source>
        <translation>需要會員密碼。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="55" />
        <source>The member's PIN is locked for a while.</source>
        <translation>會員密碼暫時鎖定。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="56" />
        <source>The configuration has a problem.</source>
        <translation>設定檔有問題。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="57" />
        <source>The sync server cannot be reached.</source>
        <translation>無法連線到同步伺服器。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="58" />
        <source>The sync server refused.</source>
        <translation>同步伺服器拒絕了要求。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="59" />
        <source>The database cannot be opened.</source>
        <translation>無法開啟資料庫。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="68" />
        <source>The {what:what} must be an amount of money.</source>
        <translation>{what:what}必須是金額。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="70" />
        <source>The {what:what} must be in {currency}.</source>
        <translation>{what:what}必須以 {currency} 計價。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="72" />
        <source>The {what:what} cannot be negative.</source>
        <translation>{what:what}不能是負數。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="73" />
        <source>The {what:what} must be more than zero.</source>
        <translation>{what:what}必須大於零。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="74" />
        <source>The {what:what} of {amount:money} is over the limit of {maximum:money}.</source>
        <translation>{what:what} {amount:money} 超過上限 {maximum:money}。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="76" />
        <source>{points:,} points are worth {discount:money}, more than the sale of {total:money}.</source>
        <translation>{points:,} 點可折抵 {discount:money}，超過消費金額 {total:money}。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="79" />
        <source>Stored value {stored_value:money} is more than the {due:money} left to pay.</source>
        <translation>儲值金扣款 {stored_value:money} 超過尚需支付的 {due:money}。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="82" />
        <source>Points to redeem cannot be negative.</source>
        <translation>折抵點數不能是負數。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="84" />
        <source>{points:,} points is more than one sale may redeem.</source>
        <translation>{points:,} 點超過單筆消費可折抵的上限。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="86" />
        <source>Points are redeemed in steps of {step} ({points} points = {value:money}).</source>
        <translation>點數須以 {step} 點為單位折抵（{points} 點 = {value:money}）。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="88" />
        <source>Transfer at least 1 point.</source>
        <translation>至少要轉贈 1 點。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="89" />
        <source>A transfer moves at most {maximum:,} points.</source>
        <translation>每次轉贈最多 {maximum:,} 點。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="91" />
        <source>Add between 1 and {maximum} stamps at a time.</source>
        <translation>每次可蓋 1 到 {maximum} 點。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="93" />
        <source>A percent-off voucher needs the sale amount.</source>
        <translation>折扣百分比的電子票券需要先輸入消費金額。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="95" />
        <source>Cash-back {cash_back:money} is more than the {due:money} left to pay.</source>
        <translation>回饋金折抵 {cash_back:money} 超過尚需支付的 {due:money}。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="98" />
        <source>{name} has {available:,} points; {points:,} cannot be redeemed.</source>
        <translation>{name} 只有 {available:,} 點，無法折抵 {points:,} 點。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="100" />
        <source>{name} has {balance:money} of stored value; {stored_value:money} cannot be paid with it.</source>
        <translation>{name} 的儲值金餘額為 {balance:money}，無法扣款 {stored_value:money}。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="103" />
        <source>{name} has {have} of the {size} stamps a full card needs.</source>
        <translation>{name} 目前有 {have} 點，集滿一張卡需要 {size} 點。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="105" />
        <source>{name} has {balance:money} of cash-back; {cash_back:money} cannot be paid with it.</source>
        <translation>{name} 的回饋金餘額為 {balance:money}，無法折抵 {cash_back:money}。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="108" />
        <source>The server holds less stored value for this member than {stored_value:money} (spent at another till?): sync, then check the balance.</source>
        <translation>伺服器上這位會員的儲值金不足 {stored_value:money}（可能已在其他收銀機使用）：請先同步，再確認餘額。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="111" />
        <source>The server holds less cash-back for this member than {cash_back:money} (spent at another till?): sync, then check the balance.</source>
        <translation>伺服器上這位會員的回饋金不足 {cash_back:money}（可能已在其他收銀機使用）：請先同步，再確認餘額。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="112" />
        <source>No member {member_id}.</source>
        <translation>找不到會員 {member_id}。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="113" />
        <source>No member has card {card}.</source>
        <translation>沒有會員使用卡號 {card}。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="114" />
        <source>No member has phone number {phone}.</source>
        <translation>沒有會員使用電話號碼 {phone}。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="116" />
        <source>Card {card} already belongs to a member.</source>
        <translation>卡號 {card} 已屬於其他會員。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="117" />
        <source>Phone {phone} is already registered.</source>
        <translation>手機 {phone} 已經登記過了。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="118" />
        <source>{phone} is not a phone number.</source>
        <translation>{phone} 不是電話號碼。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="119" />
        <source>A member needs a name.</source>
        <translation>請輸入會員姓名。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="120" />
        <source>The name is too long ({maximum} characters at most).</source>
        <translation>姓名太長（最多 {maximum} 個字）。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="122" />
        <source>A member cannot transfer points to themselves.</source>
        <translation>會員不能把點數轉贈給自己。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="124" />
        <source>That is not a code.</source>
        <translation>這不是條碼。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="125" />
        <source>That code is far too long to be ours.</source>
        <translation>這個條碼太長，不是本店的條碼。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="126" />
        <source>Nothing was scanned.</source>
        <translation>沒有掃描到任何內容。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="127" />
        <source>{digits} digits is not a member card number (cards have {expected} digits).</source>
        <translation>{digits} 位數字不是會員卡號（卡號為 {expected} 位數）。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="130" />
        <source>The card number's check digit is wrong: scan again or retype it.</source>
        <translation>卡號的檢查碼錯誤：請重新掃描或重新輸入。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="132" />
        <source>This code is not a member card or anything this shop issued.</source>
        <translation>這個條碼不是會員卡，也不是本店發行的條碼。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="134" />
        <source>That is not an e-voucher.</source>
        <translation>這不是電子票券。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="135" />
        <source>This is not a member's phone code.</source>
        <translation>這不是會員的手機條碼。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="136" />
        <source>This phone code is incomplete or damaged: scan it again.</source>
        <translation>這個手機條碼不完整或已損壞：請重新掃描。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="138" />
        <source>This phone code is out of date: ask the member to reopen the app (and to check the phone's clock).</source>
        <translation>這個手機條碼已過期：請會員重新開啟 App（並檢查手機時間）。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="142" />
        <source>This phone code was already used at this till: ask the member to show the next code.</source>
        <translation>這個手機條碼已在本收銀台使用過：請會員出示下一個條碼。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="145" />
        <source>This phone code's member is not known on this terminal: sync the terminal, or scan the membership card.</source>
        <translation>本機尚無此手機條碼的會員資料：請先同步，或掃描會員卡。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="148" />
        <source>This member's phone codes cannot be checked on this terminal yet: sync first, or scan the membership card.</source>
        <translation>本機尚無法驗證此會員的手機條碼：請先同步，或掃描會員卡。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="151" />
        <source>That is an e-invoice mobile carrier, not a member code: pass it to the POS.</source>
        <translation>這是手機條碼載具，不是會員條碼：請交給 POS 處理。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="154" />
        <source>That is an e-voucher: identify the member first, then redeem it.</source>
        <translation>這是電子票券：請先辨識會員，再兌換票券。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="156" />
        <source>{name} has no PIN for stored value: set a PIN first, or show the phone code.</source>
        <translation>{name} 尚未設定儲值金密碼：請先設定密碼，或出示手機條碼。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="159" />
        <source>{name} has no PIN for stored value: set a PIN first.</source>
        <translation>{name} 尚未設定儲值金密碼：請先設定密碼。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="161" />
        <source>Paying with stored value needs the member's PIN, or show the phone code.</source>
        <translation>以儲值金付款需要會員密碼，或請出示手機條碼。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="164" />
        <source>Paying with stored value needs the member's PIN.</source>
        <translation>以儲值金付款需要會員密碼。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="166" />
        <source>The member's PIN is locked after too many wrong tries; try again in {seconds_left:duration}, or pay by phone code.</source>
        <translation>會員密碼錯誤次數過多已鎖定；請於 {seconds_left:duration} 後再試，或以手機條碼付款。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="169" />
        <source>Wrong member PIN. The member's PIN is now locked for {minutes} minutes.</source>
        <translation>會員密碼錯誤。會員密碼已鎖定 {minutes} 分鐘。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="171" />
        <source>This phone code is not genuine: ask the member to reopen the app, or to show the membership card.</source>
        <translation>這個手機條碼不是真的：請會員重新開啟 App，或出示會員卡。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="176" />
        <source>This voucher has expired: it can no longer be used.</source>
        <translation>這張票券已過期，無法再使用。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="178" />
        <source>This voucher is not valid yet: it can be used from its start date.</source>
        <translation>這張票券尚未生效：自開始日期起才能使用。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="180" />
        <source>This voucher is for another store: it cannot be used here.</source>
        <translation>這張票券屬於其他門市，無法在本店使用。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="182" />
        <source>This voucher belongs to another member: only that member can use it.</source>
        <translation>這張票券屬於其他會員，只有該會員可以使用。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="184" />
        <source>This voucher belongs to a member: scan the member's card or phone code first.</source>
        <translation>這張票券限會員本人使用：請先掃描會員卡或手機條碼。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="187" />
        <source>This voucher was cancelled by the shop: it cannot be used.</source>
        <translation>這張票券已被店家取消，無法使用。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="189" />
        <source>This voucher has already been used up.</source>
        <translation>這張票券已經用完了。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="194" />
        <source>Another till is redeeming this voucher right now: try again in a moment.</source>
        <translation>另一台收銀機正在使用這張票券，請稍候再試。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="191" />
        <source>This voucher is not genuine or is damaged: do not accept it. Scan it once more; if it fails again, ask the customer to contact the shop.</source>
        <translation>這張票券不是真的或已損壞：請勿收受。請再掃描一次；若仍失敗，請顧客聯絡店家。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="196" />
        <source>This member can use stored value only while the terminal is online (the account has an open balance to settle).</source>
        <translation>此會員只能在終端機連線時使用儲值金（帳戶有待結清的餘額）。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="199" />
        <source>Stored value cannot be used offline: this terminal has not synced with the server yet.</source>
        <translation>離線時無法使用儲值金：本終端機尚未與伺服器同步過。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="202" />
        <source>Stored value cannot be used offline: the last sync was more than {hours} hours ago.</source>
        <translation>離線時無法使用儲值金：上次同步已超過 {hours} 小時。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="206" />
        <source>Offline, at most {maximum:money} of stored value can be used per sale.</source>
        <translation>離線時，每筆消費最多可使用 {maximum:money} 儲值金。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="208" />
        <source>Offline, a member can pay with stored value at most {count} times until the terminal syncs.</source>
        <translation>離線時，每位會員在終端機同步前最多可用儲值金付款 {count} 次。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="211" />
        <source>Offline, this member can use only {left:money} more stored value until the terminal syncs.</source>
        <translation>離線時，此會員在終端機同步前只能再使用 {left:money} 儲值金。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="214" />
        <source>Offline, this terminal can accept only {left:money} more stored value until it syncs.</source>
        <translation>離線時，本終端機在同步前只能再收 {left:money} 儲值金。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="218" />
        <source>Vouchers cannot be redeemed offline now: the terminal has not synced in the last {hours} hours.</source>
        <translation>目前離線無法兌換票券：終端機已超過 {hours} 小時未同步。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="221" />
        <source>Offline, only vouchers worth up to {maximum:money} can be redeemed.</source>
        <translation>離線時，只能兌換面額不超過 {maximum:money} 的票券。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="223" />
        <source>This member cannot pay with cash-back now: the account has a negative balance to settle first (the manager sees why).</source>
        <translation>這位會員目前不能使用回饋金：帳戶有負餘額需先結清（店長可查看原因）。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="226" />
        <source>Cash-back cannot be used yet: this terminal has not synced with the server.</source>
        <translation>尚無法使用回饋金：本機還沒有與伺服器同步過。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="229" />
        <source>Cash-back cannot be used now: the last sync was more than {hours} hours ago.</source>
        <translation>目前無法使用回饋金：上次同步已超過 {hours} 小時。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="232" />
        <source>Until this terminal syncs, at most {maximum:money} of stored value and cash-back together can be used per sale.</source>
        <translation>本機同步之前，每筆消費的儲值金與回饋金合計最多可用 {maximum:money}。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="235" />
        <source>Until this terminal syncs, a member can pay with stored value or cash-back at most {count} times.</source>
        <translation>本機同步之前，每位會員最多可用儲值金或回饋金付款 {count} 次。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="238" />
        <source>Until this terminal syncs, this member can use only {left:money} more stored value and cash-back together.</source>
        <translation>本機同步之前，這位會員的儲值金與回饋金合計只能再使用 {left:money}。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="241" />
        <source>Until this terminal syncs, it can accept only {left:money} more stored value and cash-back together.</source>
        <translation>本機同步之前，本機的儲值金與回饋金合計只能再收 {left:money}。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="245" />
        <source>Check-ins and plans need the shop's programme document, and this terminal has none it can use: sync, or ask the manager.</source>
        <translation>簽到與會員方案需要本店的活動設定，本機目前沒有可用的設定：請先同步，或洽詢店長。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="248" />
        <source>{name} has already checked in today.</source>
        <translation>{name} 今天已經簽到過了。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="250" />
        <source>No programme gives anything for a check-in today.</source>
        <translation>今天沒有任何活動提供簽到獎勵。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="252" />
        <source>There is no membership or subscription {plan}.</source>
        <translation>沒有名為 {plan} 的付費會員或訂閱方案。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="254" />
        <source>{name} cannot be bought on {day}.</source>
        <translation>{name} 在 {day} 無法購買。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="256" />
        <source>There is no charity programme {programme}.</source>
        <translation>沒有名為 {programme} 的公益捐贈方案。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="259" />
        <source>The terminal keeps working and tries again by itself; sales wait on this terminal until then.</source>
        <translation>本機照常運作並會自動重試；在那之前，交易保存在本機等待同步。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="262" />
        <source>The server no longer accepts this terminal's credentials: the manager must register the terminal again.</source>
        <translation>伺服器不再接受本機的憑證：請店長重新註冊本機。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="265" />
        <source>The manager revoked this terminal's credential: sync and stored-value payments stop until it is registered again with a new code.</source>
        <translation>店長已撤銷本機的憑證：在以新的註冊碼重新註冊之前，同步與儲值支付都會停止。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="265" />
        <source>The server did not recognise where this terminal's last download stopped: ask support to check the terminal.</source>
        <translation>伺服器無法辨識本機上次下載的進度：請聯絡技術支援檢查本機。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="269" />
        <source>Wrong PIN ({attempts_left} tries left before a {minutes} minute lock).</source>
        <translation>PIN 碼錯誤（再錯 {attempts_left} 次將鎖定 {minutes} 分鐘）。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="271" />
        <source>Wrong member PIN ({attempts_left} tries left before a {minutes} minute lock).</source>
        <translation>會員密碼錯誤（再錯 {attempts_left} 次將鎖定 {minutes} 分鐘）。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="274" />
        <source>{name} is locked after too many wrong PINs; try again in {seconds_left:duration}.</source>
        <translation>{name} 因 PIN 碼錯誤次數過多已被鎖定；請於 {seconds_left:duration}後再試。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="277" />
        <source>Wrong PIN. {name} is now locked for {minutes} minutes.</source>
        <translation>PIN 碼錯誤。{name} 已被鎖定 {minutes} 分鐘。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="279" />
        <source>Only a {needed:role} may do this; {name} is a {role:role}.</source>
        <translation>只有{needed:role}可以執行此操作；{name} 是{role:role}。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="281" />
        <source>Changing a member's PIN needs the old PIN, or a manager.</source>
        <translation>變更會員密碼需要會員的舊密碼，或由店長操作。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="283" />
        <source>A PIN is 4 to 12 digits.</source>
        <translation>PIN 碼為 4 到 12 位數字。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="284" />
        <source>Only a manager can add staff.</source>
        <translation>只有店長可以新增人員。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="285" />
        <source>The first user must be a manager.</source>
        <translation>第一位使用者必須是店長。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="286" />
        <source>There is already a user called {name}.</source>
        <translation>已經有名為 {name} 的使用者。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="288" />
        <source>No user called {name}.</source>
        <translation>沒有名為 {name} 的使用者。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="289" />
        <source>There is no {role:role} on this terminal.</source>
        <translation>本終端機沒有{role:role}。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="290" />
        <source>There is more than one {role:role}: say which user.</source>
        <translation>有多位{role:role}：請指定是哪一位。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="293" />
        <source>No transaction {event_id} on this terminal.</source>
        <translation>本終端機找不到交易 {event_id}。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="294" />
        <source>A {kind:kind} cannot be voided.</source>
        <translation>{kind:kind}無法作廢。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="295" />
        <source>That {kind:kind} was already voided by {by}.</source>
        <translation>這筆{kind:kind}已被作廢（作廢交易 {by}）。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="297" />
        <source>The points this sale earned were already redeemed or expired: it cannot be voided in full.</source>
        <translation>這筆消費獲得的點數已被折抵或已到期：無法全額作廢。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="300" />
        <source>The stored value from this top-up was already spent: it cannot be voided in full.</source>
        <translation>這筆加值的儲值金已被使用：無法全額作廢。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="303" />
        <source>These stamps were already exchanged for a reward: they cannot be voided.</source>
        <translation>這些點已兌換獎品：無法作廢。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="305" />
        <source>The {asset:asset} this event gave was already spent: it cannot be voided in full.</source>
        <translation>這筆交易給的{asset:asset}已經用掉了：無法全額作廢。</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="314" />
        <source>cashier</source>
        <translation>收銀員</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="315" />
        <source>manager</source>
        <translation>店長</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="318" />
        <source>enrolment</source>
        <translation>入會</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="319" />
        <source>sale</source>
        <translation>消費</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="320" />
        <source>top-up</source>
        <translation>加值</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="321" />
        <source>void</source>
        <translation>作廢</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="322" />
        <source>points expiry</source>
        <translation>點數到期</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="323" />
        <source>adjustment</source>
        <translation>調整</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="324" />
        <source>stamp</source>
        <translation>蓋章</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="325" />
        <source>stamp card exchange</source>
        <translation>集點卡兌換</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="326" />
        <source>voucher redemption</source>
        <translation>票券兌換</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="327" />
        <source>points transfer</source>
        <translation>點數轉贈</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="328" />
        <source>member PIN change</source>
        <translation>會員密碼變更</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="329" />
        <source>check-in</source>
        <translation>簽到</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="330" />
        <source>plan purchase</source>
        <translation>方案購買</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="331" />
        <source>member's choice</source>
        <translation>會員選擇</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="334" />
        <source>points</source>
        <translation>點數</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="335" />
        <source>stored value</source>
        <translation>儲值金</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="336" />
        <source>stamps</source>
        <translation>集點章</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="337" />
        <source>cash-back</source>
        <translation>回饋金</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="338" />
        <source>donation</source>
        <translation>捐贈</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="340" />
        <source>sale amount</source>
        <translation>消費金額</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="341" />
        <source>top-up amount</source>
        <translation>加值金額</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="342" />
        <source>stored-value payment</source>
        <translation>儲值金扣款</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="343" />
        <source>cash-back payment</source>
        <translation>回饋金折抵</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="365" />
        <source>{minutes} min {seconds} s</source>
        <translation>{minutes} 分 {seconds} 秒</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="399" />
        <source>Something went wrong and the action was not completed. Please try again; the details are in the log.</source>
        <translation>發生問題，操作未完成。請再試一次；詳細資訊已記錄在日誌中。</translation>
    </message>
</context>
<context>
    <name>sync</name>
    <message>
        <location filename="../../ui/sync_status.py" line="245" />
        <source>Sync failed unexpectedly; the details are in the log.</source>
        <translation>同步發生未預期的錯誤；詳細資訊已記錄在日誌中。</translation>
    </message>
    <message>
        <location filename="../../ui/sync_client.py" line="43" />
        <source>not synced yet</source>
        <translation>尚未同步</translation>
    </message>
    <message>
        <location filename="../../ui/sync_client.py" line="76" />
        <source>Stored value overdrawn offline</source>
        <translation>離線扣款造成儲值金透支</translation>
    </message>
    <message>
        <location filename="../../ui/sync_client.py" line="77" />
        <source>Points overdrawn offline</source>
        <translation>離線折抵造成點數透支</translation>
    </message>
    <message>
        <location filename="../../ui/sync_client.py" line="78" />
        <source>Cash-back overdrawn on several tills</source>
        <translation>多台收銀機使用造成回饋金透支</translation>
    </message>
    <message>
        <location filename="../../ui/sync_client.py" line="79" />
        <source>Voucher redeemed twice</source>
        <translation>票券重複兌換</translation>
    </message>
    <message>
        <location filename="../../ui/sync_client.py" line="80" />
        <source>Voucher redemption without a voucher</source>
        <translation>兌換紀錄缺少票券</translation>
    </message>
    <message>
        <location filename="../../ui/sync_client.py" line="81" />
        <source>Member unknown to the server</source>
        <translation>伺服器查無此會員</translation>
    </message>
    <message>
        <location filename="../../ui/sync_client.py" line="82" />
        <source>Member of another store</source>
        <translation>其他門市的會員</translation>
    </message>
    <message>
        <location filename="../../ui/sync_client.py" line="83" />
        <source>Member's phone-app secret not accepted</source>
        <translation>會員手機 App 金鑰未被接受</translation>
    </message>
    <message>
        <location filename="../../ui/sync_client.py" line="84" />
        <source>Member PIN change not accepted</source>
        <translation>會員密碼變更未被接受</translation>
    </message>
    <message>
        <location filename="../../ui/sync_client.py" line="85" />
        <source>Event kept but not booked</source>
        <translation>交易已保存但未入帳</translation>
    </message>
    <message>
        <location filename="../../ui/sync_client.py" line="102" />
        <source>{points} points</source>
        <translation>{points} 點</translation>
    </message>
    <message>
        <location filename="../../ui/sync_client.py" line="107" />
        <source>member {member}</source>
        <translation>會員 {member}</translation>
    </message>
    <message>
        <location filename="../../ui/sync_status.py" line="57" />
        <source>no sync server configured</source>
        <translation>未設定同步伺服器</translation>
    </message>
    <message>
        <location filename="../../ui/sync_status.py" line="87" />
        <source>demo: server switched off</source>
        <translation>示範：伺服器已關閉</translation>
    </message>
</context>
</TS>
