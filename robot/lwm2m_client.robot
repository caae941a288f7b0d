*** Settings ***
Documentation     OMA ETS cases and the light-bulb scenario against the CC2538 LwM2M client
...               (firmware-c/build/cc2538/lwm2m-client.elf) on the builtin emulator, or on Renode with
...               `robot --variable EMULATOR:renode --exclude builtin-only robot/` (Renode found through
...               `--variable RENODE:PATH`, $RENODE or PATH).
...               Timeouts are virtual seconds: the suite runs in a few wall-clock seconds.
Library           rig.robot.RigLibrary    emulator=${EMULATOR}    renode=${RENODE}
Test Setup        Start Client Rig
Test Teardown     Stop Rig
# wall clock, against a hang (make test passes TEST_TIMEOUT, as pytest's --timeout)
Test Timeout      ${TEST_TIMEOUT}
Test Tags         ${EMULATOR}

*** Variables ***
${EMULATOR}       builtin
${RENODE}         ${None}
${TEST_TIMEOUT}   10 minutes
${EP}             cc2538-00124b0000000001
${BANNER}         lwm2m-client 1.0.0 eui64=00:12:4b:00:00:00:00:01
${REGISTERED}     lwm2m: registered /rd/
${FOTA}           ${CURDIR}/../firmware-c/build/fota

*** Keywords ***
Start Client Rig
    Start Rig    nodes=1    firmware=lwm2m-client
    Wait For Line On Uart    ${BANNER}    timeout=1
    Wait For Line On Uart    ${REGISTERED}    timeout=10

*** Test Cases ***
ETS 0 Client Initiated Bootstrap Then Registration
    [Setup]    Start Rig    firmware=lwm2m-client-bs    bootstrap=true    lifetime=77
    Wait For Line On Uart    lwm2m: bootstrap requested    timeout=5
    Wait For Line On Uart    lwm2m: bootstrap finished, server coap://[fd00::1]:5683    timeout=10
    Wait For Line On Uart    ${REGISTERED}    timeout=10
    Registration Should Have    lifetime=77    binding=U    objects=1 3 4 3303 3311
    Resource Should Be    /1/0/1    77

ETS 101 Initial Registration
    ${endpoint}=    Wait For Registration    timeout=1
    Should Be Equal    ${endpoint}    ${EP}
    Registration Should Have    lifetime=300    binding=U    objects=1 3 4 3303 3311

ETS 201 Query Basic Information In Plain Text
    ${manufacturer}=    Read Resource    /3/0/0    format=text
    Should Be Equal    ${manufacturer}    lwm2m-rig
    Resource Should Be    /3/0/1    CC2538
    Resource Should Be    /3/0/2    00124B0000000001
    ${version}=    Read Resource    /3/0/3    format=text
    Should Be Equal    ${version}    1.0.0

ETS 203 Query Basic Information In TLV
    ${device}=    Read Resource    /3/0    format=tlv
    Should Be Equal    ${device}[${0}]    lwm2m-rig
    Should Be Equal    ${device}[${3}]    1.0.0
    Should Be Equal    ${device}[${16}]    U
    ${error_codes}=    Create Dictionary    ${0}=${0}
    Should Be Equal    ${device}[${11}]    ${error_codes}

ETS 241 Reboot Then Registration Again
    Write Resource    /3311/0/5850    true
    Led Should Be On    0
    Execute Resource    /3/0/4
    # the LED goes out with the reboot: wait for it in virtual time (Wait Until Keyword Succeeds
    # would retry with time standing still)
    Led Should Be Off    0    timeout=2
    Wait For Line On Uart    lwm2m: rebooting (Execute /3/0/4)    timeout=2
    Wait For Line On Uart    ${BANNER}    timeout=2
    Led Should Be Off    0
    Wait For Line On Uart    ${REGISTERED}    timeout=10
    Resource Should Be    /3311/0/5850    false

ETS 301 Observation With pmin And pmax
    Write Attributes    /3303/0/5700    pmin=2    pmax=10
    ${first}=    Observe Resource    /3303/0/5700
    ${start}=    Get Virtual Time
    FOR    ${i}    IN RANGE    3
        ${value}=    Wait For Notification    /3303/0/5700    timeout=15
        Should Not Be Equal    ${value}    ${first}
        ${first}=    Set Variable    ${value}
    END
    ${elapsed}=    Get Virtual Time
    # three notifications of a value changing every second, each at pmin = 2 s (+ one sampling period)
    Should Be True    5.9 <= ${elapsed} - ${start} <= 9.1
    Cancel Observation    /3303/0/5700

Console Commands And What Must Not Appear On The UART
    [Documentation]    Renode's UART keywords: a line that must not come, the next line, a result
    ...                with the line and its regex groups, a failing string.
    Register Failing Uart String    unknown command
    Should Not Be On Uart    lwm2m: updated    timeout=5
    Write Line To Uart    update
    ${update}=    Wait For Line On Uart    ^lwm2m: updated /rd/(\\w+)$    timeout=5    treatAsRegex=true
    Should Be Equal    ${update.line}    lwm2m: updated /rd/${update.groups}[0]
    Write Line To Uart    deregister
    ${next}=    Wait For Next Line On Uart    timeout=5
    Should Start With    ${next.line}    lwm2m: deregistered
    Write Line To Uart    register
    Wait For Line On Uart    ${REGISTERED}    timeout=10

Light Bulb Follows The Server
    ${state}=    Observe Resource    /3311/0/5850
    Should Be Equal    ${state}    ${False}
    Write Resource    /3311/0/5850    true
    Led Should Be On    0
    ${state}=    Wait For Notification    /3311/0/5850    timeout=2
    Should Be Equal    ${state}    ${True}
    Write Resource    /3311/0/5850    false
    Led Should Be Off    0
    ${state}=    Wait For Notification    /3311/0/5850    timeout=2
    Should Be Equal    ${state}    ${False}
    Resource Should Be    /3/0/3    1.0.0

Light Bulb Survives A Power Cut
    Write Resource    /3311/0/5850    true
    Led Should Be On    0
    Cut Power    off_for=1
    Wait For Line On Uart    ${BANNER}    timeout=5
    Led Should Be Off    0
    Wait For Line On Uart    ${REGISTERED}    timeout=10
    Write Resource    /3311/0/5850    true
    Led Should Be On    0

Registration Survives Link Loss
    Set Link Loss    0.3
    Execute Resource    /1/0/8
    Wait For Line On Uart    ^lwm2m: updated /rd/\\w+$    timeout=60    treatAsRegex=true
    Set Link Loss    0
    Resource Should Be    /3/0/3    1.0.0

Firmware Update Over The Air
    [Documentation]    ETS 770 with the client downloading the package itself (pull, Block2),
    ...                over the 250 kbit/s air-time model; the new image registers and confirms.
    [Tags]    builtin-only    # air time is modelled by the builtin emulator only
    [Setup]    Start Rig    firmware=${FOTA}/lwm2m-client-fota-factory.elf    airtime=true
    Wait For Line On Uart    ${REGISTERED}    timeout=10
    Resource Should Be    /3/0/3    1.0.0
    Update Firmware    ${FOTA}/lwm2m-client-fota-2.0.0.img    method=pull
    Resource Should Be    /3/0/3    2.0.0
    Resource Should Be    /5/0/5    1
